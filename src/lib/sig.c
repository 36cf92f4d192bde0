// SPDX-License-Identifier: GPL-2.0
#include <signal.h>

#include "sig.h"

void signals_block(const int *sigs, int n, sigset_t *waitmask)
{
	sigset_t block;
	int i;

	sigemptyset(&block);
	for (i = 0; i < n; i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	for (i = 0; i < n; i++)
		sigdelset(waitmask, sigs[i]);
}
