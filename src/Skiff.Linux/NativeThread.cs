using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>
/// A background thread started with pthread_create, running managed code through an UnmanagedCallersOnly entry
/// (the runtime attaches the thread on entry). Unlike Thread.Start, the caller does not wait, yielding its cpu in
/// a loop, until the new thread has started: on a busy 2-cpu machine those yields cost milliseconds on the path of
/// a create. For short jobs that must not hold the process up: like a background Thread, it ends with the process.
/// </summary>
public static unsafe partial class NativeThread
{
    [LibraryImport("libc")]
    private static partial int pthread_create(out nint thread, nint attr, delegate* unmanaged<nint, nint> start, nint arg);

    [LibraryImport("libc")]
    private static partial int pthread_detach(nint thread);

    /// <summary>Starts <paramref name="body"/> on a new detached thread. Exceptions it lets out are lost (write
    /// bodies that handle their own).</summary>
    public static void Start(Action body)
    {
        GCHandle handle = GCHandle.Alloc(body);
        int rc = pthread_create(out nint thread, 0, &Entry, GCHandle.ToIntPtr(handle));
        if (rc != 0)
        {
            handle.Free();
            Check.Throw("pthread_create", (Errno)rc);
        }
        _ = pthread_detach(thread);
    }

    [UnmanagedCallersOnly]
    private static nint Entry(nint arg)
    {
        GCHandle handle = GCHandle.FromIntPtr(arg);
        var body = (Action)handle.Target!;
        handle.Free();
        try
        {
            body();
        }
        catch (Exception)
        {
            // nowhere to report it from here; an exception escaping an unmanaged entry would end the process
        }
        return 0;
    }
}
