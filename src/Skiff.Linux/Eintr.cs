namespace Skiff.Linux;

/// <summary>Retries a call while it fails with EINTR (as runc's internal/linux/eintr.go).</summary>
public static class Eintr
{
    public static int Retry(Func<int> call)
    {
        while (true)
        {
            int rc = call();
            if (rc >= 0 || Check.LastErrno != Errno.EINTR) return rc;
        }
    }

    public static long Retry(Func<long> call)
    {
        while (true)
        {
            long rc = call();
            if (rc >= 0 || Check.LastErrno != Errno.EINTR) return rc;
        }
    }
}
