/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the Check suites: each tests/unit/test_*.c builds one binary whose main runs
 * the suite it names with UNIT_MAIN(). Suites run from the repository root, so fixtures
 * are found under tests/fixtures.
 */
#ifndef KVMSCOPE_UNIT_H
#define KVMSCOPE_UNIT_H

#include <check.h>
#include <stdlib.h>

#define FIXTURES "tests/fixtures"

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
