// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM uevent parser over a message as a uevent socket delivers it: NUL-separated
 * strings of any length and content (the kernel's own are checked by their port, but a
 * parser must hold whatever it is given).
 *
 * Input: the message. It is copied to a heap block of its exact size, so ASan sees a read
 * past its end (the last string need not end in a NUL).
 * Oracles: the result is 0 or 1; with 1, a task id above 0, and the message begins with
 * KVM's head and holds its event and task.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "kvmuevent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvmuevent_vm vm = { 0 };
	char *msg = malloc(size ? size : 1);
	int ret;

	FUZZ_CHECK(msg);
	memcpy(msg, data, size);
	ret = kvmuevent_parse(msg, size, &vm);
	FUZZ_CHECK(ret == 0 || ret == 1);
	if (ret == 1) {
		FUZZ_CHECK(vm.tid > 0);
		FUZZ_CHECK(size > sizeof(KVMUEVENT_HEAD) &&
			   !memcmp(msg, KVMUEVENT_HEAD, sizeof(KVMUEVENT_HEAD)));
		FUZZ_CHECK(memmem(msg, size, vm.create ? "EVENT=create" : "EVENT=destroy",
				  vm.create ? 12 : 13));
		FUZZ_CHECK(memmem(msg, size, "PID=", 4));
	}
	free(msg);
	return 0;
}
