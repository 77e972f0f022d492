using Skiff.LibContainer;
using Skiff.LibContainer.Criu;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.Cli.Commands;

/// <summary>runc's criuOptions and prepareImagePaths (checkpoint.go), shared by `checkpoint` and `restore`.</summary>
internal static class CriuArgs
{
    private const uint CLONE_NEWNET = 0x40000000;

    public static CriuOptions Parse(Invocation inv, bool createImageDir)
    {
        var a = inv.Args;
        string imagePath = a.String("image-path") ?? "";
        if (imagePath.Length == 0) imagePath = Path.Combine(Directory.GetCurrentDirectory(), "checkpoint");
        imagePath = Path.GetFullPath(imagePath);
        if (createImageDir) Directory.CreateDirectory(imagePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        string parent = a.String("parent-path") ?? "";
        if (parent.Length > 0)
        {
            if (Path.IsPathRooted(parent)) throw new ContainerException("--parent-path must be relative");
            string real = Path.Combine(imagePath, parent);
            var st = Libc.TryStat(real);
            if (st is null)
                throw new ContainerException("invalid --parent-path", new SyscallException("stat", Check.LastErrno, real));
            if ((st.Value.Mode & FileIds.S_IFMT) != FileIds.S_IFDIR)
                throw new ContainerException("invalid --parent-path", new SyscallException("stat", Errno.ENOTDIR, real));
        }

        var o = new CriuOptions
        {
            ImagesDirectory = imagePath,
            WorkDirectory = a.String("work-path") is { Length: > 0 } w ? Path.GetFullPath(w) : "",
            ParentImage = parent,
            LeaveRunning = a.Bool("leave-running"),
            TcpEstablished = a.Bool("tcp-established"),
            TcpSkipInFlight = a.Bool("tcp-skip-in-flight"),
            LinkRemap = a.Bool("link-remap"),
            ExternalUnixConnections = a.Bool("ext-unix-sk"),
            ShellJob = a.Bool("shell-job"),
            FileLocks = a.Bool("file-locks"),
            PreDump = a.Bool("pre-dump"),
            AutoDedup = a.Bool("auto-dedup"),
            LazyPages = a.Bool("lazy-pages"),
            StatusFd = a.String("status-fd") is null ? -1 : a.Int("status-fd"),
            LsmProfile = a.String("lsm-profile") ?? "",
            LsmMountContext = a.String("lsm-mount-context") ?? "",
            ManageCgroupsMode = a.String("manage-cgroups-mode") ?? "",
        };

        if (a.String("page-server") is { Length: > 0 } ps)
        {
            int colon = ps.LastIndexOf(':');
            string address = colon > 0 ? ps[..colon].Trim('[', ']') : "";
            string port = colon >= 0 ? ps[(colon + 1)..] : "";
            if (address.Length == 0 || port.Length == 0)
                throw new ContainerException("Use --page-server ADDRESS:PORT to specify page server");
            if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p))
                throw new ContainerException("Invalid port number");
            o.PageServerAddress = address;
            o.PageServerPort = p;
        }

        // runc does not manage network devices: the network namespace is always restored empty
        uint mask = CLONE_NEWNET;
        foreach (string ns in a.List("empty-ns"))
        {
            if (ns != "network") throw new ContainerException($"namespace \"{ns}\" is not supported");
            mask |= CLONE_NEWNET;
        }
        o.EmptyNs = mask;
        return o;
    }

    /// <summary>runc's warning: criu needs root in the initial user namespace.</summary>
    public static void WarnIfRootless()
    {
        if (Libc.geteuid() != 0) Log.Warn($"{App.Name} checkpoint is untested with rootless containers");
    }
}
