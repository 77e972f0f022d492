using Skiff.Cli.CommandLine;

namespace Skiff.Cli.Commands;

/// <summary>One verb (runc's cli.Command): its flags, help texts and action. Subclasses stay thin.</summary>
internal abstract class Command
{
    public abstract string Name { get; }
    /// <summary>The one-line usage shown in the command list and after NAME.</summary>
    public abstract string Usage { get; }
    public virtual string ArgsUsage => "";
    public virtual string Description => "";
    public virtual IReadOnlyList<Flag> Flags => [];
    public virtual bool Hidden => false;
    /// <summary>urfave's SkipArgReorder (runc's exec): flags end at the first argument.</summary>
    public virtual bool SkipArgReorder => false;

    public abstract int Run(Invocation inv);
}
