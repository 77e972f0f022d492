using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Skiff.Interop;

/// <summary>
/// One background thread in epoll_wait over the pidfds of the library's own children: when a pidfd turns
/// readable (the child exited), it reaps exactly that child with waitid(P_PIDFD) and completes its task. No
/// polling, one thread for any number of children, and no waitpid(-1): children the app started elsewhere
/// (System.Diagnostics.Process) are never touched.
/// </summary>
internal static unsafe class PidfdWatcher
{
    private static readonly ConcurrentDictionary<ulong, (SafeFdHandle Pidfd, TaskCompletionSource<int> Exit)> s_waits = new();
    private static readonly Lazy<int> s_epoll = new(Start);
    private static long s_next;

    /// <summary>The exit code (or 128+signal) of the child behind <paramref name="pidfd"/>, reaped once.</summary>
    public static Task<int> WaitAsync(SafeFdHandle pidfd)
    {
        var tcs = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        ulong key = (ulong)Interlocked.Increment(ref s_next);
        s_waits[key] = (pidfd, tcs);
        bool added = false;
        pidfd.DangerousAddRef(ref added);
        var ev = new Native.EpollEvent { Events = Native.EPOLLIN, Data = key };
        if (Native.epoll_ctl(s_epoll.Value, Native.EPOLL_CTL_ADD, pidfd.Fd, &ev) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            s_waits.TryRemove(key, out _);
            pidfd.DangerousRelease();
            tcs.SetException(Native.Error("epoll_ctl", errno));
        }
        return tcs.Task;
    }

    private static int Start()
    {
        int ep = Native.Check(Native.epoll_create1(Native.EPOLL_CLOEXEC), "epoll_create1");
        var t = new Thread(() => Loop(ep)) { IsBackground = true, Name = "skiff pidfd watcher" };
        t.Start();
        return ep;
    }

    private static void Loop(int ep)
    {
        const int Max = 16;
        var events = stackalloc Native.EpollEvent[Max];
        while (true)
        {
            int n = Native.epoll_wait(ep, events, Max, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == Native.EINTR) continue;
                return;
            }
            for (int i = 0; i < n; i++)
            {
                if (!s_waits.TryRemove(events[i].Data, out var w)) continue;
                Native.epoll_ctl(ep, Native.EPOLL_CTL_DEL, w.Pidfd.Fd, null);
                try
                {
                    w.Exit.SetResult(Reap(w.Pidfd));
                }
                catch (Exception ex)
                {
                    w.Exit.SetException(ex);
                }
                finally
                {
                    w.Pidfd.DangerousRelease();
                }
            }
        }
    }

    /// <summary>waitid(P_PIDFD, WEXITED): exit code, or 128+signal.</summary>
    public static int Reap(SafeFdHandle pidfd)
    {
        byte* info = stackalloc byte[128];
        while (true)
        {
            new Span<byte>(info, 128).Clear();
            if (Native.waitid(Native.P_PIDFD, pidfd.Fd, info, Native.WEXITED) == 0) break;
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Native.EINTR) throw Native.Error("waitid", errno);
        }
        int code = *(int*)(info + 8), status = *(int*)(info + 24);
        return code == Native.CLD_EXITED ? status : 128 + status;
    }
}
