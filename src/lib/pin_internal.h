/* The pin's checkpoint (pin.c), for verify.c. */
#ifndef SMSAUDIT_PIN_INTERNAL_H
#define SMSAUDIT_PIN_INTERNAL_H

#include "store_internal.h"

typedef struct pin_base_hold pin_base_hold;

/* The checkpoint this machine pinned for the repository (found through its
 * folder's pin): 0 and `out` (valid until pin_base_free(*hold));
 * SMSAUDIT_ENOTFOUND when there is none under the repository's anchor. */
int pin_base_load(state_base *out, pin_base_hold **hold, smsaudit_store *store);
void pin_base_free(pin_base_hold *hold);

#endif
