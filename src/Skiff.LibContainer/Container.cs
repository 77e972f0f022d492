using Skiff.RuntimeSpec;

namespace Skiff.LibContainer;

/// <summary>
/// A container and its verbs (runc's libcontainer Container). Each verb is short; the work is in Processes/,
/// Init/ and Skiff.Cgroups.
/// </summary>
public sealed partial class Container
{
    /// <summary>`create`: starts init, which waits on the exec fifo; returns once state.json is written.</summary>
    public static Container Create(CreateOptions options) => throw new NotImplementedException();

    /// <summary>`run`: create + start; in the foreground waits and returns the exit status (128+N for signal N).</summary>
    public static int Run(CreateOptions options) => throw new NotImplementedException();

    /// <summary>Loads a container from root/id/state.json. Throws <see cref="ContainerNotExistException"/>.</summary>
    public static Container Load(string root, string id) => throw new NotImplementedException();

    /// <summary>All containers under <paramref name="root"/>, sorted by id (unreadable ones skipped).</summary>
    public static IReadOnlyList<Container> List(string root) => throw new NotImplementedException();

    public string Id { get; private set; } = "";
    public string Bundle { get; private set; } = "";
    public string Rootfs { get; private set; } = "";
    public int InitPid { get; private set; }
    public DateTimeOffset Created { get; private set; }
    /// <summary>Owner user name of the state dir (runc's `list` OWNER column).</summary>
    public string Owner { get; private set; } = "";
    public Dictionary<string, string>? Annotations { get; private set; }

    /// <summary>The current status (created, running, paused, stopped) computed from the process and the fifo.</summary>
    public ContainerStatus Status => throw new NotImplementedException();

    /// <summary>The OCI state (runc's `state` output adds rootfs, created, owner: see the CLI).</summary>
    public State OciState() => throw new NotImplementedException();

    /// <summary>`start`: lets init exec the user process; runs poststart hooks.</summary>
    public void Start() => throw new NotImplementedException();

    /// <summary>`kill`: sends <paramref name="signal"/> to init, or to every process of the cgroup with all.</summary>
    public void Signal(int signal, bool all) => throw new NotImplementedException();

    /// <summary>`delete`: removes a stopped container (force: kills it first); runs poststop hooks.</summary>
    public void Delete(bool force) => throw new NotImplementedException();
}
