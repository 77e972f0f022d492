namespace Skiff.LibContainer.Wire;

/// <summary>
/// The messages of the sync protocol between the parent and `skiff init` (runc's libcontainer/sync.go),
/// one JSON object per SOCK_SEQPACKET packet: <c>{"type":"procReady"}</c>, <c>{"type":"procError","message":"…"}</c>.
/// <code>
///  parent (skiff create)                         child (skiff init, in the container's namespaces)
///      |   bootstrap data (init socket) -------------> nsexec: join/create namespaces, fork into pid ns
///      | <------------- {"stage1_pid","stage2_pid"}   |
///      |   InitConfig (init socket) -----------------> |  mounts, devices
///      | <-------------- procMountPlease {mount}      |  (idmapped mount, or a bind source init cannot reach)
///  open_tree + MOUNT_ATTR_IDMAP in init's mount ns     |
///      |   procMountFd {type} + fd (SCM_RIGHTS) -----> |  move_mount / mount via /proc/self/fd
///      | <------------------------------- procHooks   |
///  cgroup Set, prestart + createRuntime hooks          |
///      |   procHooksDone ---------------------------> |  createContainer hooks, pivot_root, console,
///      |                                              |  hostname, sysctl, masked/readonly paths
///      | <------------------------------- procReady   |
///  rlimits (prlimit)                                    |
///      |   procRun ---------------------------------> |  user, capabilities, no_new_privs, seccomp
///  state.json written (init: created)                  |
///      | <--------------------------- (socket closed) |  waits on exec.fifo until `start`, then execve
///  any time: procError {"message"} from the child ends the start with that error.
/// </code>
/// </summary>
public enum SyncType
{
    procError,
    procReady,
    procRun,
    procHooks,
    procHooksDone,
    procMountPlease,
    procMountFd,
    procSeccomp,
    procSeccompDone,
}

/// <summary>The wire names of <see cref="SyncType"/>, without Enum's reflection (its first ToString or TryParse in a
/// NativeAOT process loads the enum's metadata).</summary>
public static class SyncTypes
{
    public static string Name(this SyncType t) => t switch
    {
        SyncType.procError => "procError",
        SyncType.procReady => "procReady",
        SyncType.procRun => "procRun",
        SyncType.procHooks => "procHooks",
        SyncType.procHooksDone => "procHooksDone",
        SyncType.procMountPlease => "procMountPlease",
        SyncType.procMountFd => "procMountFd",
        SyncType.procSeccomp => "procSeccomp",
        SyncType.procSeccompDone => "procSeccompDone",
        _ => ((int)t).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static SyncType? Parse(string name) => name switch
    {
        "procError" => SyncType.procError,
        "procReady" => SyncType.procReady,
        "procRun" => SyncType.procRun,
        "procHooks" => SyncType.procHooks,
        "procHooksDone" => SyncType.procHooksDone,
        "procMountPlease" => SyncType.procMountPlease,
        "procMountFd" => SyncType.procMountFd,
        "procSeccomp" => SyncType.procSeccomp,
        "procSeccompDone" => SyncType.procSeccompDone,
        _ => null,
    };
}
