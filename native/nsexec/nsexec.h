/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wire constants of the bootstrap message the skiff parent writes to the
 * init pipe (runc's libcontainer/message_linux.go numbers). The C# encoder
 * (src/Skiff.LibContainer/Processes/BootstrapData.cs) must agree: a unit test
 * parses the #defines below and compares them, so keep one per line.
 */
#ifndef SKIFF_NSEXEC_H
#define SKIFF_NSEXEC_H

/* Netlink message type of the one bootstrap message. */
#define INIT_MSG 62000

/* Attribute types (struct nlattr.nla_type). */
#define CLONE_FLAGS_ATTR   27281 /* u32: CLONE_NEW* flags to create */
#define NS_PATHS_ATTR	   27282 /* "type:path,..." to join, user first */
#define UIDMAP_ATTR	   27283 /* uid_map text */
#define GIDMAP_ATTR	   27284 /* gid_map text */
#define SETGROUP_ATTR	   27285 /* u8: setgroups allowed (runc is_setgroup) */
#define OOM_SCORE_ADJ_ATTR 27286 /* string written to oom_score_adj */
#define ROOTLESS_EUID_ATTR 27287 /* u8: running with a non-root euid */
#define UIDMAPPATH_ATTR	   27288 /* path of newuidmap */
#define GIDMAPPATH_ATTR	   27289 /* path of newgidmap */
#define TIMENSOFFSET_ATTR  27290 /* timens_offsets text */

/* Environment of `skiff init` (see Init/InitEnv.cs). */
#define ENV_INITPIPE "_SKIFF_INITPIPE"
#define ENV_LOGPIPE  "_SKIFF_LOGPIPE"
#define ENV_LOGLEVEL "_SKIFF_LOGLEVEL"
#define ENV_SYNCPIPE "_SKIFF_SYNCPIPE"
#define ENV_INITTYPE "_SKIFF_INITTYPE"
/* SKIFF_TRACE's zero, CLOCK_MONOTONIC ns (PhaseTrace.InitEnvName). */
#define ENV_TRACE "_SKIFF_TRACE"
/* Set (to anything) for an early-spawned `run` or `create` init: see speculate in nsexec.c. */
#define ENV_SPECULATE "_SKIFF_SPECULATE"
/* For an early-spawned `exec` init: the container's state.json (see speculate_setns in nsexec.c).
 */
#define ENV_SPECULATE_STATE "_SKIFF_SPECULATE_STATE"
/* Set (to anything) for a user namespace holder: see userns_holder in nsexec.c. */
#define ENV_USERNS_HOLDER "_SKIFF_USERNS_HOLDER"

/* Which stage this process is: -1 when the constructor did nothing. */
#define STAGE_NONE   -1
#define STAGE_PARENT 0
#define STAGE_CHILD  1
#define STAGE_INIT   2

int nsexec_stage(void);
int nsexec_exe_clone(int *failed);
int nsexec_mntns_fd(void);
int nsexec_early_init(int setns, int *fds);
int nsexec_speculation_wait(void);
int nsexec_speculative(void);
int nsexec_speculative_origin(const char *type);
void nsexec_early_discard(void);
long long nsexec_start_ns(void);
long long nsexec_done_ns(void);

#endif
