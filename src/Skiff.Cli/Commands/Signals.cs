using System.Globalization;
using Skiff.LibContainer;
using Skiff.Linux;

namespace Skiff.Cli.Commands;

/// <summary>runc's parseSignal: a number as is, else a name (any case, with or without "SIG") from
/// golang.org/x/sys/unix's Linux signal table, which has exactly one name per signal 1..31 (no SIGIOT,
/// SIGCLD, SIGPOLL aliases, no real-time names).</summary>
internal static class Signals
{
    private static readonly string[] s_names =
    [
        "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
        "SIGSYS",
    ];

    public static int Parse(string raw)
    {
        // strconv.Atoi: optional sign, decimal digits; any value passes (the kernel rejects bad ones).
        if (int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n)) return n;
        string sig = raw.ToUpperInvariant();
        if (!sig.StartsWith("SIG", StringComparison.Ordinal)) sig = "SIG" + sig;
        for (int i = 1; i < s_names.Length; i++)
            if (s_names[i] == sig) return i;
        throw new ContainerException($"unknown signal {GoQuote.Quote(raw)}");
    }

    public static string Name(int signal) => signal > 0 && signal < s_names.Length ? s_names[signal] : "";
}
