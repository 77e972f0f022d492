using Skiff.Linux;
using static Skiff.LibContainer.Seccomp.SeccompNames;

namespace Skiff.LibContainer.Seccomp;

/// <summary>
/// A validated seccomp profile (runc's configs.Seccomp): names checked and converted, one entry per syscall name.
/// Built by <see cref="SeccompFilter.Convert"/> without libseccomp, so the parent can reject a bad profile early.
/// </summary>
internal sealed class SeccompConfig
{
    /// <summary>One syscall name with its action and comparisons (a spec entry with n names gives n of these).</summary>
    internal sealed record Syscall(string Name, ActionKind Action, uint? ErrnoRet, ScmpArgCmp[] Args);

    public required ActionKind DefaultAction { get; init; }
    public uint? DefaultErrnoRet { get; init; }
    /// <summary>libseccomp architecture names ("x86_64"), in profile order.</summary>
    public required IReadOnlyList<string> Architectures { get; init; }
    /// <summary>Null: none given, so SPEC_ALLOW when supported (runc); otherwise exactly these.</summary>
    public IReadOnlyList<string>? Flags { get; init; }
    public string? ListenerPath { get; init; }
    public string? ListenerMetadata { get; init; }
    public required IReadOnlyList<Syscall> Syscalls { get; init; }

    public uint DefaultActionValue => ActionValue(DefaultAction, DefaultErrnoRet);
}
