/* SPDX-License-Identifier: GPL-2.0 */
/* The event loops' signals: handled only inside their wait. */
#ifndef KVMSCOPE_SIG_H
#define KVMSCOPE_SIG_H

#include <signal.h>

/*
 * Returns nothing; blocks the n signals of sigs and sets *waitmask to the mask before, less
 * them: they then arrive only inside a wait given that mask (epoll_pwait), so a flag a
 * handler sets is seen as soon as the wait returns.
 */
void signals_block(const int *sigs, int n, sigset_t *waitmask);

#endif
