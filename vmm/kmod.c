// SPDX-License-Identifier: MIT
/* Kernel module dependency resolution from modules.dep, as modprobe does. */
#include "vmm/kmod.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct dep_entry {
	char name[64]; /* normalised: no suffix, '-' as '_' */
	char *path; /* relative to the module directory */
	char *deps; /* space-separated paths */
	bool visited;
};

struct dep_table {
	struct dep_entry *e;
	unsigned int n;
	char *dep_text, *builtin_text;
};

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* "kernel/fs/fuse/virtio-fs.ko.xz" -> "virtio_fs" */
static void module_name(const char *path, size_t len, char *out, size_t cap)
{
	const char *base = path;
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			base = path + i + 1;
	len -= (size_t)(base - path);
	for (size_t i = 0; i < len && n + 1 < cap; i++) {
		if (!strncmp(base + i, ".ko", 3))
			break;
		out[n++] = base[i] == '-' ? '_' : base[i];
	}
	out[n] = '\0';
}

static char *read_text(const char *dir, const char *file)
{
	char path[4096];
	FILE *f;
	char *buf;
	long size;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)size + 1))) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[size] = '\0';
	fclose(f);
	return buf;
}

/* Splits modules.dep ("path: dep dep ...") into entries, in place. */
static int parse_dep(struct dep_table *t)
{
	unsigned int cap = 0;

	for (char *line = t->dep_text, *next; line && *line; line = next) {
		char *colon;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (t->n == cap) {
			struct dep_entry *e;

			cap = cap ? cap * 2 : 1024;
			e = realloc(t->e, cap * sizeof(*e));
			if (!e)
				return -1;
			t->e = e;
		}
		t->e[t->n] =
			(struct dep_entry){ .path = line, .deps = colon + 1 };
		module_name(line, strlen(line), t->e[t->n].name,
			    sizeof(t->e[t->n].name));
		t->n++;
	}
	return 0;
}

static struct dep_entry *find(struct dep_table *t, const char *name)
{
	for (unsigned int i = 0; i < t->n; i++)
		if (!strcmp(t->e[i].name, name))
			return &t->e[i];
	return NULL;
}

static bool is_builtin(const struct dep_table *t, const char *name)
{
	char got[64];

	for (const char *line = t->builtin_text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		module_name(line, len, got, sizeof(got));
		if (!strcmp(got, name))
			return true;
		line += len + (end ? 1 : 0);
	}
	return false;
}

static int add_path(struct kmod_list *out, const char *moddir, const char *rel)
{
	char **p = realloc(out->path, (out->n + 1) * sizeof(*p));
	size_t len = strlen(moddir) + strlen(rel) + 2;

	if (!p)
		return -1;
	out->path = p;
	p[out->n] = malloc(len);
	if (!p[out->n])
		return -1;
	snprintf(p[out->n], len, "%s/%s", moddir, rel);
	out->n++;
	return 0;
}

/* Dependencies first, each module once. */
static int visit(struct dep_table *t, const char *moddir, const char *name,
		 struct kmod_list *out, char *err, size_t errlen)
{
	struct dep_entry *e;

	if (is_builtin(t, name))
		return 0;
	e = find(t, name);
	if (!e) {
		fail(err, errlen,
		     "module %s is neither built into the kernel nor in %s",
		     name, moddir);
		return -1;
	}
	if (e->visited)
		return 0;
	e->visited = true;
	for (const char *d = e->deps; *d;) {
		char dep[64];
		size_t len;

		d += strspn(d, " \t");
		len = strcspn(d, " \t");
		if (!len)
			break;
		module_name(d, len, dep, sizeof(dep));
		if (visit(t, moddir, dep, out, err, errlen))
			return -1;
		d += len;
	}
	if (add_path(out, moddir, e->path)) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int kmod_resolve(const char *moddir, const char *const *names, unsigned int n,
		 struct kmod_list *out, char *err, size_t errlen)
{
	struct dep_table t = { 0 };
	struct stat st;
	int ret = -1;

	*out = (struct kmod_list){ 0 };
	if (stat(moddir, &st) < 0 && errno == ENOENT) {
		out->no_moddir = true;
		return 0;
	}
	t.dep_text = read_text(moddir, "modules.dep");
	if (!t.dep_text) {
		fail(err, errlen, "cannot read %s/modules.dep: %s", moddir,
		     strerror(errno));
		return -1;
	}
	t.builtin_text = read_text(moddir, "modules.builtin");
	if (parse_dep(&t)) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	for (unsigned int i = 0; i < n; i++)
		if (visit(&t, moddir, names[i], out, err, errlen))
			goto out;
	ret = 0;
out:
	if (ret)
		kmod_list_free(out);
	free(t.e);
	free(t.dep_text);
	free(t.builtin_text);
	return ret;
}

void kmod_list_free(struct kmod_list *l)
{
	for (unsigned int i = 0; i < l->n; i++)
		free(l->path[i]);
	free(l->path);
	l->path = NULL;
	l->n = 0;
}
