// SPDX-License-Identifier: MIT
/*
 * The control socket's requests: decoded, checked against a table of
 * commands, and dispatched to the VM's callbacks; the socket handling is
 * control.c's.
 */
#include "vmm/control_request.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/log.h"

struct request {
	const struct control_ops *ops;
	void *ctx;
	const struct json_member *arg; /* the command's argument, if any */
	int fd;
};

struct command {
	const char *name;
	const char *arg; /* the one member it takes besides "cmd" */
	bool takes_fd;
	int (*run)(const struct request *rq, struct json_writer *w, char *err,
		   size_t errlen);
};

/* The VM's callback op, or "not supported" when it has none. */
#define CALL(op, ...)                                \
	(rq->ops->op ?                               \
		 rq->ops->op(rq->ctx, __VA_ARGS__) : \
		 (snprintf(err, errlen, "%s is not supported", #op), -1))

static int run_status(const struct request *rq, struct json_writer *w,
		      char *err, size_t errlen)
{
	return CALL(status, w, err, errlen);
}

static int run_pause(const struct request *rq, struct json_writer *w, char *err,
		     size_t errlen)
{
	(void)w;
	return CALL(pause, err, errlen);
}

static int run_resume(const struct request *rq, struct json_writer *w,
		      char *err, size_t errlen)
{
	(void)w;
	return CALL(resume, err, errlen);
}

static int run_stop(const struct request *rq, struct json_writer *w, char *err,
		    size_t errlen)
{
	(void)w;
	return CALL(stop, err, errlen);
}

bool control_sysrq_key_ok(int key)
{
	return (key >= '0' && key <= '9') || (key >= 'a' && key <= 'z');
}

static int run_sysrq(const struct request *rq, struct json_writer *w, char *err,
		     size_t errlen)
{
	const struct json_member *key = rq->arg;

	(void)w;
	if (!key || key->type != JSON_STRING || strlen(key->v.s) != 1 ||
	    !control_sysrq_key_ok(key->v.s[0])) {
		snprintf(err, errlen,
			 "sysrq needs \"key\": one digit or lower-case letter");
		return -1;
	}
	return CALL(sysrq, key->v.s[0], err, errlen);
}

static int run_nmi(const struct request *rq, struct json_writer *w, char *err,
		   size_t errlen)
{
	(void)w;
	return CALL(nmi, err, errlen);
}

/* The client's file: regular and open for writing at any offset. */
static int check_dump_file(int fd, char *err, size_t errlen)
{
	struct stat st;
	int flags;

	if (fstat(fd, &st) < 0 || (flags = fcntl(fd, F_GETFL)) < 0) {
		snprintf(err, errlen,
			 "dump: cannot inspect the descriptor: %m");
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (flags & O_PATH)) {
		snprintf(err, errlen, "dump: the descriptor is not a file");
		return -1;
	}
	if ((flags & O_ACCMODE) == O_RDONLY) {
		snprintf(err, errlen, "dump: the file is not open for writing");
		return -1;
	}
	if (flags & O_APPEND) {
		snprintf(err, errlen, "dump: the file is open for appending");
		return -1;
	}
	return 0;
}

static int run_dump(const struct request *rq, struct json_writer *w, char *err,
		    size_t errlen)
{
	(void)w;
	if (rq->fd < 0) {
		snprintf(err, errlen,
			 "dump needs the file's descriptor sent with the "
			 "request (SCM_RIGHTS)");
		return -1;
	}
	if (check_dump_file(rq->fd, err, errlen))
		return -1;
	return CALL(dump, rq->fd, err, errlen);
}

static const struct command commands[] = {
	{ .name = "status", .run = run_status },
	{ .name = "pause", .run = run_pause },
	{ .name = "resume", .run = run_resume },
	{ .name = "stop", .run = run_stop },
	{ .name = "sysrq", .arg = "key", .run = run_sysrq },
	{ .name = "nmi", .run = run_nmi },
	{ .name = "dump", .takes_fd = true, .run = run_dump },
};

/* The command the request names, or NULL with err set. */
static const struct command *decode(const struct json_object *req, char *err,
				    size_t errlen)
{
	const struct json_member *cmd = json_get(req, "cmd");
	const struct command *c = NULL;

	if (!cmd || cmd->type != JSON_STRING) {
		snprintf(err, errlen, "the request needs \"cmd\", a string");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, cmd->v.s))
			c = &commands[i];
	if (!c) {
		snprintf(err, errlen, "unknown command \"%.40s\"", cmd->v.s);
		return NULL;
	}
	for (unsigned int i = 0; i < req->nr; i++) {
		const char *key = req->member[i].key;

		if (strcmp(key, "cmd") && (!c->arg || strcmp(key, c->arg))) {
			snprintf(err, errlen, "%s takes no member \"%.40s\"",
				 c->name, key);
			return NULL;
		}
	}
	return c;
}

static size_t reply_error(char *reply, size_t size, const char *msg)
{
	static const char too_long[] =
		"{\"ok\":false,\"error\":\"reply too long\"}\n";
	struct json_writer w;
	int n;

	json_start(&w, reply, size);
	json_add_bool(&w, "ok", false);
	json_add_str(&w, "error", *msg ? msg : "failed");
	n = json_end(&w);
	if (n >= 0)
		return (size_t)n;
	snprintf(reply, size, "%s", too_long);
	return strlen(reply);
}

size_t control_answer(const struct control_ops *ops, void *ctx,
		      const char *line, size_t len, int fd, unsigned int nr_fds,
		      char *reply, size_t size)
{
	struct json_object req;
	char err[CONTROL_ERR_MAX] = "", why[CONTROL_ERR_MAX - 16];
	const struct command *c;
	struct request rq = { ops, ctx, NULL, -1 };
	struct json_writer w;
	int n = -1;

	if (json_parse(line, len, &req, why, sizeof(why))) {
		snprintf(err, sizeof(err), "bad request: %s", why);
	} else if ((c = decode(&req, err, sizeof(err)))) {
		log_debug("control: %s", c->name);
		if (c->takes_fd && nr_fds > 1) {
			snprintf(err, sizeof(err),
				 "%s takes exactly one descriptor", c->name);
		} else {
			rq.arg = c->arg ? json_get(&req, c->arg) : NULL;
			rq.fd = c->takes_fd ? fd : -1;
			json_start(&w, reply, size);
			json_add_bool(&w, "ok", true);
			if (!c->run(&rq, &w, err, sizeof(err))) {
				n = json_end(&w);
				if (n < 0)
					snprintf(err, sizeof(err),
						 "%s: reply longer than %zu "
						 "bytes",
						 c->name, size);
			} else if (!*err) {
				snprintf(err, sizeof(err), "%s failed",
					 c->name);
			}
		}
	}
	if (fd >= 0)
		close(fd);
	return n >= 0 ? (size_t)n : reply_error(reply, size, err);
}
