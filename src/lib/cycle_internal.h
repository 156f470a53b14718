/* The cycle's rules that its writer (cycle_write.c) checks before it signs,
 * kept in cycle.c beside the analysis that applies them when it reads. */
#ifndef SMSAUDIT_CYCLE_INTERNAL_H
#define SMSAUDIT_CYCLE_INTERNAL_H

#include "smsaudit/catalogue.h"

/*
 * 1 if `cl` lies in a unit every surveillance covers (the mandatory items):
 * such a clause takes no pin. The writer refuses the pin; the rotation warns
 * about one written by hand and ignores it. A heading above units (8, 9) is
 * not one: pinning it pins the units under it that are not mandatory.
 */
int cycle_clause_mandatory(const smsaudit_clause *cl);

#endif
