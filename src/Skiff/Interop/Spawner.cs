using System.Runtime.InteropServices;
using System.Text;

namespace Skiff.Interop;

/// <summary>
/// posix_spawn with the child's descriptors 0..n given by <c>fds</c> (adddup2; everything else in this process is
/// close-on-exec, as .NET opens it), signal mask emptied and every disposition reset to default (.NET ignores
/// SIGPIPE, and an ignored disposition survives exec). No managed code runs in the child.
/// </summary>
internal static unsafe class Spawner
{
    private const int FileActionsSize = 256, AttrSize = 512, SigsetSize = 128;

    /// <summary>Starts <paramref name="path"/> with <paramref name="args"/> (argv[0] included) and returns its pid.</summary>
    public static int Spawn(string path, IReadOnlyList<string> args, IReadOnlyList<System.Runtime.InteropServices.SafeHandle> fds)
    {
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            // the app's socket activation is not the container's: with LISTEN_FDS set, runc (and skiff) pass
            // fds 3.. into the container, and fd 3 of the helper is the library's status pipe
            if (e.Key is "LISTEN_FDS" or "LISTEN_PID" or "LISTEN_FDNAMES" or "NOTIFY_SOCKET") continue;
            env.Add($"{e.Key}={e.Value}");
        }
        byte* fa = (byte*)NativeMemory.AllocZeroed(FileActionsSize);
        byte* attr = (byte*)NativeMemory.AllocZeroed(AttrSize);
        byte* sigs = stackalloc byte[SigsetSize];
        byte* cpath = Utf8(path);
        byte** argv = Utf8Array(args);
        byte** envp = Utf8Array(env);
        bool faInit = false, attrInit = false;
        var refs = new bool[fds.Count];
        var temps = new List<int>();
        try
        {
            for (int i = 0; i < fds.Count; i++) fds[i].DangerousAddRef(ref refs[i]);
            Must(Native.posix_spawn_file_actions_init(fa), "posix_spawn_file_actions_init");
            faInit = true;
            // a source below fds.Count (an app that closed its stdin gets pipe fds from 0) would be overwritten
            // by an earlier dup2: such sources are first copied above the range, in this process
            for (int i = 0; i < fds.Count; i++)
            {
                int src = (int)fds[i].DangerousGetHandle();
                if (src < fds.Count)
                {
                    src = Native.Check(Native.fcntl(src, Native.F_DUPFD_CLOEXEC, fds.Count), "fcntl F_DUPFD_CLOEXEC");
                    temps.Add(src);
                }
                Must(Native.posix_spawn_file_actions_adddup2(fa, src, i), "posix_spawn_file_actions_adddup2");
            }
            Must(Native.posix_spawnattr_init(attr), "posix_spawnattr_init");
            attrInit = true;
            Native.sigemptyset(sigs);
            Must(Native.posix_spawnattr_setsigmask(attr, sigs), "posix_spawnattr_setsigmask");
            Native.sigfillset(sigs);
            Native.sigdelset(sigs, 9);
            Native.sigdelset(sigs, 19);
            Must(Native.posix_spawnattr_setsigdefault(attr, sigs), "posix_spawnattr_setsigdefault");
            Must(Native.posix_spawnattr_setflags(attr, Native.POSIX_SPAWN_SETSIGMASK | Native.POSIX_SPAWN_SETSIGDEF),
                "posix_spawnattr_setflags");
            int pid;
            int rc = Native.posix_spawn(&pid, cpath, fa, attr, argv, envp);
            if (rc != 0) throw Native.Error($"posix_spawn {path}", rc);
            return pid;
        }
        finally
        {
            for (int i = 0; i < fds.Count; i++)
                if (refs[i]) fds[i].DangerousRelease();
            foreach (int t in temps) Native.close(t);
            if (faInit) Native.posix_spawn_file_actions_destroy(fa);
            if (attrInit) Native.posix_spawnattr_destroy(attr);
            NativeMemory.Free(fa);
            NativeMemory.Free(attr);
            NativeMemory.Free(cpath);
            FreeArray(argv, args.Count);
            FreeArray(envp, env.Count);
        }
    }

    private static void Must(int rc, string call)
    {
        if (rc != 0) throw Native.Error(call, rc);
    }

    private static byte* Utf8(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        byte* p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        p[n] = 0;
        return p;
    }

    private static byte** Utf8Array(IReadOnlyList<string> items)
    {
        byte** a = (byte**)NativeMemory.AllocZeroed((nuint)(items.Count + 1), (nuint)sizeof(byte*));
        for (int i = 0; i < items.Count; i++) a[i] = Utf8(items[i]);
        return a;
    }

    private static void FreeArray(byte** a, int n)
    {
        for (int i = 0; i < n; i++) NativeMemory.Free(a[i]);
        NativeMemory.Free(a);
    }
}
