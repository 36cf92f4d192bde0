// SPDX-License-Identifier: GPL-2.0
/*
 * The VM-name parser over a raw /proc/PID/cmdline, which whoever started the process wrote.
 *
 * Input: one byte giving the size of the name and uuid buffers (1..256), then the command
 * line. Every buffer is a heap block of its exact size, so ASan sees a read or write past it.
 * Oracles: the result is -EINVAL, 0 or 1; a name, uuid or id found is NUL-terminated inside
 * its buffer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t namesz, len;
	char *argv, *name, *uuid;
	int ret;

	if (!size)
		return 0;
	namesz = (size_t)data[0] + 1;
	len = size - 1;
	argv = malloc(len ? len : 1);
	name = malloc(namesz);
	uuid = malloc(namesz);
	FUZZ_CHECK(argv && name && uuid);
	memcpy(argv, data + 1, len);

	memset(name, 'x', namesz);
	ret = vmname_parse(argv, len, name, namesz);
	FUZZ_CHECK(ret == -EINVAL || ret == 0 || ret == 1);
	if (ret == 1)
		FUZZ_CHECK(memchr(name, '\0', namesz));

	memset(uuid, 'x', namesz);
	ret = vmname_uuid(argv, len, uuid, namesz);
	FUZZ_CHECK(ret == -EINVAL || ret == 0 || ret == 1);
	if (ret == 1)
		FUZZ_CHECK(memchr(uuid, '\0', namesz));

	memset(uuid, 'x', namesz);
	ret = vmname_id(argv, len, uuid, namesz);
	FUZZ_CHECK(ret == -EINVAL || ret == 0 || ret == 1);
	if (ret == 1)
		FUZZ_CHECK(memchr(uuid, '\0', namesz));

	free(argv);
	free(name);
	free(uuid);
	return 0;
}
