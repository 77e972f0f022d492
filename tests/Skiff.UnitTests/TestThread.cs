using Skiff.Linux;

namespace Skiff.UnitTests;

/// <summary>Helpers for tests that change per-thread kernel state: they run it on a throw-away thread.</summary>
internal static class TestThread
{
    public static bool IsRoot => Libc.geteuid() == 0;

    /// <summary>Runs <paramref name="body"/> on a new OS thread (which exits afterwards) and rethrows its exception.</summary>
    public static T Run<T>(Func<T> body)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() =>
        {
            try { result = body(); }
            catch (Exception ex) { error = ex; }
        });
        t.Start();
        t.Join();
        if (error is not null) throw new AggregateException(error);
        return result;
    }
}
