// SPDX-License-Identifier: MIT
/* The --share option: a host directory for the guest over virtio-fs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli.h"

int parse_share(const char *arg, unsigned int index, struct share_config *s,
		char *err, size_t errlen)
{
	const char *opt = strchr(arg, ',');
	size_t plen = opt ? (size_t)(opt - arg) : strlen(arg);

	memset(s, 0, sizeof(*s));
	snprintf(s->tag, sizeof(s->tag), "share%u", index);
	if (plen == 0) {
		snprintf(err, errlen, "--share '%s': no directory", arg);
		return -1;
	}
	while (opt) {
		const char *next = strchr(opt + 1, ',');
		size_t len = next ? (size_t)(next - opt - 1) : strlen(opt + 1);

		if (len == 2 && !strncmp(opt + 1, "ro", 2)) {
			s->readonly = true;
		} else if (len >= 4 && !strncmp(opt + 1, "tag=", 4)) {
			if (len == 4 || len - 4 > CLI_SHARE_TAG_MAX) {
				snprintf(
					err, errlen,
					"--share '%s': tag must be 1 to %d characters",
					arg, CLI_SHARE_TAG_MAX);
				return -1;
			}
			memcpy(s->tag, opt + 5, len - 4);
			s->tag[len - 4] = '\0';
		} else {
			snprintf(
				err, errlen,
				"--share '%s': unknown option '%.*s' (known: tag=TAG, ro)",
				arg, (int)len, opt + 1);
			return -1;
		}
		opt = next;
	}
	s->path = strndup(arg, plen);
	if (!s->path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int add_share(struct vm_config *cfg, const char *arg, char *err, size_t errlen)
{
	struct share_config *s = &cfg->share[cfg->nr_shares];

	if (cfg->nr_shares == CLI_MAX_SHARES) {
		snprintf(err, errlen, "at most %d --share options",
			 CLI_MAX_SHARES);
		return -1;
	}
	if (parse_share(arg, cfg->nr_shares, s, err, errlen))
		return -1;
	for (unsigned int i = 0; i < cfg->nr_shares; i++) {
		if (!strcmp(cfg->share[i].tag, s->tag)) {
			snprintf(err, errlen,
				 "--share '%s': tag '%s' is already used", arg,
				 s->tag);
			free(s->path);
			s->path = NULL;
			return -1;
		}
	}
	cfg->nr_shares++;
	return 0;
}
