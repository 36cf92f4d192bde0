# Sourced by the test runners (POSIX sh). machine_can_test_all prints nothing and returns 0
# when this machine can run every test (root, a usable /dev/kvm, tracefs mounted or
# mountable, which it mounts): there a test that skips has failed. Otherwise it prints why
# not, and a skip is only counted.
machine_can_test_all() {
	if [ "$(id -u)" != 0 ]; then
		echo "not root"
		return 1
	fi
	if [ ! -c /dev/kvm ]; then
		echo "no /dev/kvm"
		return 1
	fi
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "/dev/kvm is not read-write"
		return 1
	fi
	[ -d /sys/kernel/tracing/instances ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	if [ ! -d /sys/kernel/tracing/instances ]; then
		echo "tracefs cannot be mounted at /sys/kernel/tracing"
		return 1
	fi
	return 0
}
