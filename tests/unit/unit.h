/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the Check suites: each tests/unit/test_*.c builds one binary whose main runs
 * the suite it names with UNIT_MAIN(). Suites run from the repository root, so fixtures
 * are found under tests/fixtures.
 */
#ifndef KVMSCOPE_UNIT_H
#define KVMSCOPE_UNIT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#define FIXTURES "tests/fixtures"

/*
 * Ends the running case when it cannot check what it is for on this machine, saying why (a
 * printf format): tests/run-unit.sh counts the "UNIT-SKIP:" line as a skip with its reason,
 * or as a failure where the machine could run it. Use it in the case's own body.
 */
#define unit_skip(...)                                                                        \
	do {                                                                                  \
		printf("UNIT-SKIP: %s: %s: ", __FILE__, __func__);                            \
		printf(__VA_ARGS__);                                                          \
		printf("\n");                                                                 \
		fflush(stdout);                                                               \
		return;                                                                       \
	} while (0)

#define UNIT_MAIN(suite_fn)                                                                   \
	int main(void)                                                                        \
	{                                                                                     \
		SRunner *sr = srunner_create(suite_fn());                                     \
		int failed;                                                                   \
		srunner_run_all(sr, CK_NORMAL);                                               \
		failed = srunner_ntests_failed(sr);                                           \
		srunner_free(sr);                                                             \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                  \
	}

#endif
