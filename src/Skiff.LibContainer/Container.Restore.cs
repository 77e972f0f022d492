using Skiff.Cgroups;
using Skiff.LibContainer.Configs;
using Skiff.LibContainer.Criu;
using Skiff.LibContainer.Criu.Rpc;
using Skiff.LibContainer.Hooks;
using Skiff.LibContainer.Processes;
using Skiff.LibContainer.Wire;
using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>
    /// `restore`: a new container from the bundle whose init is the process tree criu restores from
    /// <see cref="CriuOptions.ImagesDirectory"/> (runc's Container.Restore). criu runs in the container's cgroups;
    /// prestart and createRuntime hooks run when criu has set up the namespaces; state.json is written when criu
    /// reports the restored pid. Detached it returns 0 then; in the foreground it forwards signals (and the
    /// terminal), waits, deletes the container, and returns the exit status. A failure leaves nothing behind.
    /// </summary>
    public static int Restore(CreateOptions o, CriuOptions c)
    {
        Ids.Validate(o.Id);
        var cfg = o.Config ?? LoadConfig(o);
        // as `run`: in the foreground, reparented orphans of the restored tree are reaped here (--no-subreaper: not)
        if (!o.Detach && !o.NoSubreaper) Libc.SetChildSubreaper();
        SafeFd? ourEnd = null, theirEnd = null;
        if (!o.Detach && o.ConsoleSocket is null && cfg.Spec.Process?.Terminal == true)
            (ourEnd, theirEnd) = Libc.SocketPair(Libc.SOCK_STREAM);
        Container container;
        try
        {
            container = RestoreProcess(o, c, cfg, theirEnd);
        }
        catch
        {
            ourEnd?.Dispose();
            throw;
        }
        finally
        {
            theirEnd?.Dispose();
        }
        if (o.Detach) return 0;

        try
        {
            // criu restored init as our child (rst_sibling): the foreground tail of `run`
            return ForegroundRunner.Run(container.InitPid, ourEnd, subreaper: !o.NoSubreaper);
        }
        finally
        {
            try
            {
                container.Delete(force: true);
            }
            catch (Exception ex)
            {
                Log.Warn($"deleting container {container.Id}: {ErrorText.Render(ex)}");
            }
        }
    }

    private static Container RestoreProcess(CreateOptions o, CriuOptions c, ContainerConfig cfg, SafeFd? ttySocket)
    {
        var spec = cfg.Spec;
        var namespaces = cfg.Namespaces;
        var opts = CriuCommon.Begin(c, dump: false, out SafeFd imageDir);
        using var imageDirOwner = imageDir;
        var descriptors = CriuCommon.ReadDescriptors(c.ImagesDirectory);
        CheckImagesSearchable(imageDir, c.ImagesDirectory, spec, namespaces);
        string logDir = c.LogDirectory;

        string stateDir = MakeStateDir(o.Root, o.Id);
        using var rb = new Rollback();
        rb.Add("remove state directory", () =>
        {
            DetachCriuRoot(stateDir);
            Directory.Delete(stateDir, recursive: true);
        });
        using var dirLock = StateLock.Acquire(stateDir);

        var linux = spec.Linux!;
        var cgroup = CgroupManagerFactory.Create(o.Id, linux.CgroupsPath, o.SystemdCgroup, rootless: o.RootlessCgroups,
            resources: linux.Resources);
        rb.Add("destroy cgroup", cgroup.Destroy);

        opts.EvasiveDevices = true;
        opts.RstSibling = true;
        if (c.LsmProfile.Length > 0) opts.LsmProfile = c.LsmProfile;
        if (c.LsmMountContext.Length > 0) opts.LsmMountContext = c.LsmMountContext;
        using var workDir = CriuCommon.OpenWorkDir(opts, c);
        CriuCommon.ConfigFile(opts, spec);

        var extraFiles = new List<SafeFd>();
        using var closeExtra = new Rollback();
        closeExtra.Add("close namespace fds", () => extraFiles.ForEach(f => f.Dispose()));
        JoinNamespaces(opts, namespaces, extraFiles);

        CriuMounts.CreateMountpoints(spec, o.Bundle);
        CriuMounts.AddForRestore(opts, CriuMounts.Of(spec, namespaces, o.Bundle, cgroup.Paths));
        if (linux.MaskedPaths is { Count: > 0 })
            opts.ExtMnt.Add(new ext_mount_map { Key = "/dev/null", Val = "/dev/null" });
        // criu hands our fd i to the restored process where it had the pipe that was its fd i
        for (int i = 0; i < descriptors.Count; i++)
        {
            if (descriptors[i].Contains("pipe:", StringComparison.Ordinal))
                opts.InheritFd.Add(new inherit_fd { Key = descriptors[i], Fd = i });
        }

        // criu needs a root that is a mount point whose parent is not overmounted: the rootfs bound to a
        // directory of the state dir, for the time of the restore
        string criuRoot = Path.Combine(stateDir, "criu-root");
        Check.Rc(Libc.mkdir(criuRoot, 0x1ED /* 0755 */), "mkdir", criuRoot);
        using var unbind = new Rollback();
        unbind.Add("remove criu root", () => Directory.Delete(criuRoot));
        Check.Rc(Libc.mount(spec.Root!.Path, criuRoot, null, Libc.MS_BIND | Libc.MS_REC, null), "mount", criuRoot);
        unbind.Add("unmount criu root", () => Libc.umount2(criuRoot, Libc.MNT_DETACH));
        opts.Root = criuRoot;

        using SafeFd? console = o.ConsoleSocket is not null ? ConsoleSocket.Connect(o.ConsoleSocket) : null;
        SafeFd? ptySocket = console ?? ttySocket;

        var state = new ContainerState
        {
            Id = o.Id,
            Bundle = o.Bundle,
            Rootfs = spec.Root.Path,
            SystemdCgroup = o.SystemdCgroup,
            Rootless = o.RootlessCgroups,
            Config = spec,
        };
        var container = new Container(o.Root, state);
        int restored = 0;
        rb.Add("kill the restored process", () =>
        {
            if (restored <= 0) return;
            Libc.kill(restored, 9);
            try { Libc.WaitExit(restored); } catch (SyscallException) { }
        });
        var swrk = new CriuSwrk
        {
            ExtraFiles = extraFiles,
            InheritStdio = true,
            WorkDirectory = logDir,
            // the restored tree stays stopped under criu's ptrace until criu answers: if it dies first, criu
            // killed it after a failure (a lazy-pages daemon gone away) and may wait for it forever
            Watchdog = () => restored > 0 && ProcStat.IsExiting(restored)
                ? $"the restored process {restored} died before criu finished the restore" + (c.LazyPages ? " (did the lazy-pages daemon go away?)" : "")
                : null,
            OnStarted = criuPid =>
            {
                cgroup.Apply(criuPid);
                cgroup.Set(linux.Resources);
                AddCgroupRoots(opts, criuPid);
                state.ExternalDescriptors = CriuCommon.StdioOf(criuPid);
            },
            OnNotify = (notify, fds) =>
            {
                switch (notify.Script)
                {
                    case "setup-namespaces":
                        var hookState = new State
                        {
                            OciVersion = spec.OciVersion, Id = o.Id, Status = "creating", Pid = notify.Pid,
                            Bundle = o.Bundle, Annotations = spec.Annotations,
                        };
                        HookRunner.Run("prestart", spec.Hooks?.Prestart, hookState);
                        HookRunner.Run("createRuntime", spec.Hooks?.CreateRuntime, hookState);
                        break;
                    case "post-restore":
                        restored = notify.Pid;
                        state.InitPid = notify.Pid;
                        state.InitStart = ProcStat.Read(notify.Pid)?.Start
                            ?? throw new ContainerException($"restored process {notify.Pid} is gone");
                        state.Created = DateTimeOffset.UtcNow;
                        state.CgroupPaths = new Dictionary<string, string>(cgroup.Paths);
                        state.NamespacePaths = namespaces.StatePaths(notify.Pid);
                        container.SaveState();
                        break;
                    case "orphan-pts-master":
                        if (fds.Length == 0) throw new ContainerException("criu sent orphan-pts-master without a descriptor");
                        if (ptySocket is null) throw new ContainerException("criu restored a terminal but there is no console socket to pass it to");
                        ConsoleSocket.SendFd(ptySocket, fds[0], "orphan-pts-master");
                        break;
                }
            },
        };
        try
        {
            swrk.Run(new criu_req { Type = criu_req_type.Restore, Opts = opts });
        }
        catch (Exception)
        {
            CriuCommon.QuoteLog(logDir, opts.LogFile);
            throw;
        }
        if (restored <= 0) throw new ContainerException("criu did not report the restored process");
        if (o.PidFile is not null) WritePidFile(o.PidFile, restored);
        rb.Commit();
        return container;
    }

    /// <summary>
    /// Unmounts the criu root a restore that died half-way left in the state dir: deleting the state dir
    /// recursively must never walk through that bind mount into the container's rootfs.
    /// </summary>
    internal static void DetachCriuRoot(string stateDir)
    {
        string criuRoot = Path.Combine(stateDir, "criu-root");
        Errno e = Check.Try(Libc.umount2(criuRoot, Libc.MNT_DETACH));
        if (e is not (Errno.OK or Errno.EINVAL or Errno.ENOENT)) throw new SyscallException("umount2", e, criuRoot);
    }

    /// <summary>
    /// With a new user namespace, criu restores the tree inside it and reads the images from there, as the
    /// container's root: the images directory must let that host uid or gid search it. Else criu fails half-way
    /// ("Unable to open tty-info.img: Permission denied" in restore.log, as with runc); checked here, up front.
    /// </summary>
    private static void CheckImagesSearchable(SafeFd imageDir, string path, Spec spec, NamespaceSet namespaces)
    {
        if (!namespaces.IsNew("user")) return;
        var (uid, gid) = HostRootIds(spec.Linux, namespaces);
        var st = Libc.FStat(imageDir);
        // the permission class as the kernel picks it: owner, else group, else other
        uint searchBit = st.Uid == uid ? 0x40u : st.Gid == gid ? 0x8u : 0x1u;
        if (uid == 0 || (st.Mode & searchBit) != 0) return;
        string mode = Convert.ToString(st.Mode & 0xFFF, 8).PadLeft(4, '0');
        throw new ContainerException(
            $"the images directory {path} (mode {mode}, owner {st.Uid}:{st.Gid}) cannot be searched by the container's root " +
            $"(host uid {uid}, gid {gid}), as which criu reads the images of a container with a user namespace: " +
            $"let that uid or gid search it (chgrp {gid} and chmod g+x, for one)");
    }

    /// <summary>runc's handleRestoringNamespaces: a joined network or pid namespace is handed to criu as the
    /// external one the dump named (inherit_fd from fd 4 on); other joined namespaces are joined by criu.</summary>
    private static void JoinNamespaces(criu_opts opts, NamespaceSet namespaces, List<SafeFd> extraFiles)
    {
        foreach (var ns in namespaces.Entries)
        {
            if (string.IsNullOrEmpty(ns.Path) || Namespaces.Of(ns.Type) is not { } info) continue;
            if (ns.Type is "network" or "pid")
            {
                SafeFd fd;
                try
                {
                    fd = Libc.Open(ns.Path, Libc.O_RDONLY);
                }
                catch (Exception ex)
                {
                    throw new ContainerException($"Requested {info.ProcName} namespace {ns.Path} does not exist", ex);
                }
                extraFiles.Add(fd);
                // criu's fds 0..3 are stdio and the swrk socket
                opts.InheritFd.Add(new inherit_fd { Key = CriuCommon.ExternalKey(info.ProcName), Fd = 3 + extraFiles.Count });
            }
            else if (ns.Type == "cgroup")
            {
                throw new ContainerException($"Do not know how to handle namespace {ns.Type}");
            }
            else
            {
                opts.JoinNs.Add(new join_namespace { Ns = info.ProcName, NsFile = ns.Path });
            }
        }
    }

    /// <summary>runc's criuApplyCgroups tail: criu restores the tree into the cgroups criu itself is in.</summary>
    private static void AddCgroupRoots(criu_opts opts, int criuPid)
    {
        foreach (string line in File.ReadAllText($"/proc/{criuPid}/cgroup").Split('\n'))
        {
            string[] f = line.Split(':', 3);
            if (f.Length != 3) continue;
            foreach (string ctrl in f[1].Split(','))
                opts.CgRoot.Add(new cgroup_root { Ctrl = ctrl, Path = f[2] });
        }
    }
}
