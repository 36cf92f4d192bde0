// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's names: every name it is known by, from its management layer (libvirt's title and
 * domain name, OpenStack nova's instance name, project, user and flavor, Proxmox VE's name)
 * and from its command line (-name, -uuid, -id), the one it is shown by first; and whether
 * the management layer's file could be read. Only for a VM that has such a file: for the
 * others the label and its command line say it all.
 */
#include "pane.h"

enum { N_WHAT, N_NAME, N__N };

static const struct table_col names_cols[N__N] = {
	[N_WHAT] = TABLE_TEXT("WHAT", 14, 0, 0),
	[N_NAME] = TABLE_TEXT("NAME", 0, 8, 0),
};

static const struct table_spec names_table = {
	.cols = names_cols,
	.ncols = N__N,
	.sort = -1,
};

static void fill_names(const struct snapshot *s, const struct pane_opts *o, struct table *t)
{
	struct snap_vm_name names[SNAP_VM_NAMES_MAX];
	char esc[4 * SNAP_WHY_MAX];
	const struct snap_vm *v;
	const char *mgmt;
	bool gone;
	int i, n;

	v = pane_begin(s, o, t, &names_table, "Names", &gone);
	if (!v || v->mgmt.source == SNAP_MGMT_NONE)
		return;
	n = snap_vm_names(v, names, SNAP_VM_NAMES_MAX);
	for (i = 0; i < n; i++) {
		table_row(t, ROW_NORMAL, 0, NULL);
		table_put(t, N_WHAT, names[i].what);
		table_set_raw(t, N_NAME, names[i].value, o->utf8);
	}
	mgmt = snap_mgmt_name(v->mgmt.source);
	if (v->mgmt.state == SNAP_SRC_UNAVAILABLE)
		/* The why names the file, whose name comes from the VM's -name: escaped. */
		table_note(t, "%s: unavailable: %s", mgmt[0] ? mgmt : "management layer",
			   pane_escape(v->mgmt.why, o, esc, sizeof(esc)));
	else if (v->mgmt.source == SNAP_MGMT_LIBVIRT)
		table_note(t, "from libvirt's live domain XML%s",
			   v->mgmt.nova_name[0] ? " and OpenStack nova's metadata in it" : "");
	else if (v->mgmt.source == SNAP_MGMT_PROXMOX)
		table_note(t, "from the Proxmox VE guest config");
}

const struct pane pane_names = {
	.name = "names",
	.title = "Names",
	.scopes = SCOPE_F(SCOPE_VM),
	.table = &names_table,
	/* After every pane that answers "what is slow": the title already has the best name. */
	.rank = 7,
	.fill = fill_names,
};
