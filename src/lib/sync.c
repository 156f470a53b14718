/* sync: fetch, join, verify, move main, push (sync.h). */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "smsaudit/sync.h"

static int same(const smsaudit_oid *a, const smsaudit_oid *b)
{
	return memcmp(a->id, b->id, sizeof(a->id)) == 0;
}

int smsaudit_sync(smsaudit_sync_result *out, smsaudit_store *store, const char *name, const char *email,
                  const smsaudit_verify_options *verify)
{
	memset(out, 0, sizeof(*out));
	smsaudit_repo *repo = smsaudit_store_repo(store);
	smsaudit_sync_refs refs;
	int rc = smsaudit_repo_head(&out->before, repo);
	if (rc == 0)
		rc = smsaudit_repo_fetch(&refs, repo, "origin");
	if (rc < 0)
		return rc;
	out->after = out->before;
	char was[41], now[41], ours[41];
	smsaudit_oid_fmt(ours, &out->before);
	/* What we fetched before must still be there: a server whose main lost
	 * it had its history rewritten, and nothing of it is taken in. */
	if (refs.had_before && (!refs.has_remote || !smsaudit_repo_descends(repo, &refs.remote, &refs.before))) {
		smsaudit_oid_fmt(was, &refs.before);
		if (refs.has_remote)
			smsaudit_oid_fmt(now, &refs.remote);
		return error_set(SMSAUDIT_EVERIFY, "the server's main was rewritten: it was at %.12s, and its main now (%s) "
		                 "does not contain that commit; nothing was merged or pushed (ask who rewrote it, and "
		                 "verify this clone)", was, refs.has_remote ? now : "gone");
	}
	smsaudit_oid target = out->before;
	if (refs.has_remote) {
		out->remote = refs.remote;
		if (same(&refs.remote, &out->before) || smsaudit_repo_descends(repo, &out->before, &refs.remote)) {
			out->kind = same(&refs.remote, &out->before) ? SMSAUDIT_SYNC_UP_TO_DATE : SMSAUDIT_SYNC_PUSHED;
		} else if (smsaudit_repo_descends(repo, &refs.remote, &out->before)) {
			out->kind = SMSAUDIT_SYNC_FAST_FORWARD;
			target = refs.remote;
		} else {
			out->kind = SMSAUDIT_SYNC_MERGED;
			char msg[200];
			smsaudit_oid_fmt(now, &refs.remote);
			snprintf(msg, sizeof(msg), "sync: merge the server's %.12s into %.12s\n\nSmsaudit-Action: sync-merge\n", now,
			         ours);
			if ((rc = smsaudit_repo_merge(&target, repo, &out->before, &refs.remote, name, email, smsaudit_now(),
			                              msg)) < 0)
				return rc;
		}
	} else {
		out->kind = SMSAUDIT_SYNC_PUSHED;
	}
	/* What main is to become is verified before it becomes it. */
	smsaudit_verify_options vo = *verify;
	vo.at = &target;
	if ((rc = smsaudit_verify(&out->check, store, &vo)) < 0)
		return rc;
	if (out->check.nproblems)
		return error_set(SMSAUDIT_EVERIFY, "the joined history fails verification (%zu problem%s): main was not "
		                 "moved and nothing was pushed", out->check.nproblems, out->check.nproblems == 1 ? "" : "s");
	if (!same(&target, &out->before) && (rc = smsaudit_repo_main_move(repo, &out->before, &target)) < 0)
		return rc;
	out->after = target;
	if (out->kind != SMSAUDIT_SYNC_UP_TO_DATE && out->kind != SMSAUDIT_SYNC_FAST_FORWARD)
		rc = smsaudit_repo_push(repo, "origin");
	return rc;
}

static int zero_hex(const char *h)
{
	return strspn(h, "0") == strlen(h);
}

int smsaudit_receive_check(smsaudit_verification *out, smsaudit_store *store, const char *old_hex,
                           const char *new_hex, const char *ref)
{
	memset(out, 0, sizeof(*out));
	smsaudit_repo *repo = smsaudit_store_repo(store);
	smsaudit_oid old, new;
	int deleting = zero_hex(new_hex), creating = zero_hex(old_hex);
	int is_main = strcmp(ref, "refs/heads/main") == 0, is_tag = strncmp(ref, "refs/tags/audit/", 16) == 0;
	if (!is_main && !is_tag)
		return error_set(SMSAUDIT_EVERIFY, "%s: only main and audit/* tags are kept here", ref);
	if (deleting)
		return error_set(SMSAUDIT_EVERIFY, "%s: deleting it is refused: what was shared stays", ref);
	if (smsaudit_repo_resolve(&new, repo, new_hex) < 0 || (!creating && smsaudit_repo_resolve(&old, repo, old_hex) < 0))
		return error_set(SMSAUDIT_EVERIFY, "%s: the pushed commit cannot be read", ref);
	if (!creating && !smsaudit_repo_descends(repo, &new, &old))
		return error_set(SMSAUDIT_EVERIFY, "%s: the push does not continue it (%.12s does not contain %.12s): "
		                 "history is never rewritten; fetch, merge and push again (smsaudit sync)", ref, new_hex,
		                 old_hex);
	if (is_tag)
		return 0; /* where a tag points is held against main by every verify */
	smsaudit_verify_options vo = SMSAUDIT_VERIFY_OPTIONS_INIT;
	vo.at = &new;
	int rc = smsaudit_verify(out, store, &vo);
	if (rc < 0)
		return rc;
	if (out->nproblems)
		return error_set(SMSAUDIT_EVERIFY, "%s: refused: the pushed history fails verification (%zu problem%s)", ref,
		                 out->nproblems, out->nproblems == 1 ? "" : "s");
	return 0;
}
