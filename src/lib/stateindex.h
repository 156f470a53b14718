/* The state index (stateindex.c): the derived state of main's tip, kept on
 * disk so that a command on an unchanged repository reads it in place. */
#ifndef SMSAUDIT_STATEINDEX_H
#define SMSAUDIT_STATEINDEX_H

#include "smsaudit/store.h"

/* The state at `commit` (NULL: main's tip) from the index: 1 when the index
 * holds exactly it (complete); 2 when it was made from the index's state of
 * an earlier commit and the commits since, when those only add records that
 * change no authority, evidence status or SMS description: they are judged as
 * verify judges what follows its checkpoint (state_load_since), and the
 * state is the ledger's, the model's rules still to be applied over all of
 * it. 0 when the index cannot give it (missing, another build or key, a clock
 * outside its window, a file that fails its MAC, a history only the whole
 * walk can judge: nothing is reported); < 0 only when out of memory. */
int state_index_load(smsaudit_state **out, smsaudit_store *store, const smsaudit_oid *commit);
/* Keep `st` (loaded with SMSAUDIT_STATE_USE_INDEX | SMSAUDIT_STATE_USE_CACHE,
 * complete with the model's problems) as the index, when it is main's tip and
 * its judgement does not depend on the clock beyond a window. Written to a
 * temporary file and renamed; failing to write changes nothing but speed. */
int state_index_save(const smsaudit_state *st, smsaudit_store *store);

#endif
