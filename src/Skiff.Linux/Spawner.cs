using System.Runtime.InteropServices;
using System.Text;

namespace Skiff.Linux;

/// <summary>
/// The one way skiff starts a process: posix_spawn(3) (glibc: clone(CLONE_VM|CLONE_VFORK) + execve, so no
/// managed code runs in the child). The child's fd table is exactly <c>fdMap</c>: fd i is a dup of fdMap[i]
/// (0..2 stdio, then the passed fds), everything above is closed; its signal mask is empty and every signal has
/// its default disposition. argv/envp are marshalled by hand into one native block each.
/// </summary>
public static class Spawner
{
    /// <summary>Spawns <paramref name="path"/> and returns its pid; the caller reaps it (Libc.WaitExit).</summary>
    /// <param name="path">Executable; not searched in PATH ("/proc/self/exe" is this binary).</param>
    /// <param name="argv">Arguments including argv[0].</param>
    /// <param name="env">"NAME=value" entries: the whole environment.</param>
    /// <param name="fdMap">fdMap[i] (a parent fd) becomes fd i in the child. Sources may collide with targets.</param>
    /// <param name="exe">When set, the binary executed instead of <paramref name="path"/> (which then only names it in
    /// errors): the child opens it close-on-exec as fd fdMap.Count (a reopen through /proc/self/fd) and executes
    /// /proc/self/fd/N, so it runs that file without holding the fd afterwards (see LibContainer's ExeClone).</param>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> env, IReadOnlyList<int> fdMap,
        SafeFd? exe = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (argv.Count == 0) throw new ArgumentException("argv must hold at least argv[0]", nameof(argv));
        for (int i = 0; i < fdMap.Count; i++)
            if (fdMap[i] < 0) throw new ArgumentException($"fdMap[{i}] is {fdMap[i]}", nameof(fdMap));

        // Move every source fd out of the way of the targets 0..n-1 first: dup2(fdMap[1], 0) must not
        // clobber a later source that happens to be fd 0. The copies are close-on-exec and >= n.
        int n = fdMap.Count;
        var moved = new List<SafeFd>(n + 1);
        nint fileActions = 0, attr = 0, sigset = 0, argvBlock = 0, envBlock = 0;
        bool actionsInit = false, attrInit = false;
        try
        {
            foreach (int fd in fdMap)
                moved.Add(Check.Fd(Libc.fcntl(fd, Libc.F_DUPFD_CLOEXEC, n), "fcntl", $"F_DUPFD_CLOEXEC {fd}"));

            fileActions = Marshal.AllocHGlobal(Libc.SpawnFileActionsSize);
            Libc.CheckSpawn(Libc.posix_spawn_file_actions_init(fileActions), "posix_spawn_file_actions_init");
            actionsInit = true;
            for (int i = 0; i < n; i++)
                Libc.CheckSpawn(Libc.posix_spawn_file_actions_adddup2(fileActions, moved[i].Fd, i),
                    "posix_spawn_file_actions_adddup2");
            string execPath = path;
            if (exe is not null)
            {
                // After the dup2s, fds 0..n-1 are taken, so the open lands on n itself and keeps O_CLOEXEC (glibc only
                // dup2s, clearing it, when the open returns another number). The source sits above n.
                SafeFd src = Check.Fd(Libc.fcntl(exe.Fd, Libc.F_DUPFD_CLOEXEC, n + 1), "fcntl", $"F_DUPFD_CLOEXEC {exe.Fd}");
                moved.Add(src);
                Libc.CheckSpawn(Libc.posix_spawn_file_actions_addopen(fileActions, n, $"/proc/self/fd/{src.Fd}",
                    Libc.O_RDONLY | Libc.O_CLOEXEC, 0), "posix_spawn_file_actions_addopen");
                execPath = $"/proc/self/fd/{n}";
            }
            Libc.CheckSpawn(Libc.posix_spawn_file_actions_addclosefrom_np(fileActions, exe is null ? n : n + 1),
                "posix_spawn_file_actions_addclosefrom_np");

            attr = Marshal.AllocHGlobal(Libc.SpawnAttrSize);
            Libc.CheckSpawn(Libc.posix_spawnattr_init(attr), "posix_spawnattr_init");
            attrInit = true;
            Libc.CheckSpawn(Libc.posix_spawnattr_setflags(attr,
                Libc.POSIX_SPAWN_SETSIGMASK | Libc.POSIX_SPAWN_SETSIGDEF), "posix_spawnattr_setflags");
            sigset = Marshal.AllocHGlobal(Libc.SigsetSize);
            Check.Rc(Libc.sigemptyset(sigset), "sigemptyset");
            Libc.CheckSpawn(Libc.posix_spawnattr_setsigmask(attr, sigset), "posix_spawnattr_setsigmask");
            // Not sigfillset: it leaves out glibc's internal signals 32 and 33, which glibc's spawn child then
            // sets to SIG_IGN, and an ignored disposition survives execve.
            for (int i = 0; i < Libc.SigsetSize; i += 8) Marshal.WriteInt64(sigset, i, -1);
            Libc.CheckSpawn(Libc.posix_spawnattr_setsigdefault(attr, sigset), "posix_spawnattr_setsigdefault");

            argvBlock = NativeStringArray(argv);
            envBlock = NativeStringArray(env);
            int err = Libc.posix_spawn(out int pid, execPath, fileActions, attr, argvBlock, envBlock);
            Libc.CheckSpawn(err, "posix_spawn", path);
            return pid;
        }
        finally
        {
            if (actionsInit) Libc.posix_spawn_file_actions_destroy(fileActions);
            if (attrInit) Libc.posix_spawnattr_destroy(attr);
            Marshal.FreeHGlobal(fileActions);
            Marshal.FreeHGlobal(attr);
            Marshal.FreeHGlobal(sigset);
            Marshal.FreeHGlobal(argvBlock);
            Marshal.FreeHGlobal(envBlock);
            foreach (SafeFd fd in moved) fd.Dispose();
        }
    }

    /// <summary>
    /// A NULL-terminated char*[] followed by the NUL-terminated UTF-8 strings it points to, in one allocation
    /// (free with Marshal.FreeHGlobal).
    /// </summary>
    internal static nint NativeStringArray(IReadOnlyList<string> items)
    {
        int ptrBytes = (items.Count + 1) * IntPtr.Size;
        int total = ptrBytes;
        foreach (string s in items)
        {
            if (s.Contains('\0')) throw new ArgumentException($"string contains a NUL byte: {s}");
            total += Encoding.UTF8.GetByteCount(s) + 1;
        }
        nint block = Marshal.AllocHGlobal(total);
        byte[] buf = new byte[total - ptrBytes];
        int off = 0;
        for (int i = 0; i < items.Count; i++)
        {
            Marshal.WriteIntPtr(block, i * IntPtr.Size, block + ptrBytes + off);
            off += Encoding.UTF8.GetBytes(items[i], 0, items[i].Length, buf, off);
            buf[off++] = 0;
        }
        Marshal.WriteIntPtr(block, items.Count * IntPtr.Size, 0);
        Marshal.Copy(buf, 0, block + ptrBytes, buf.Length);
        return block;
    }
}
