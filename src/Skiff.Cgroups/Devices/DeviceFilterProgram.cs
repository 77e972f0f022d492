namespace Skiff.Cgroups.Devices;

/// <summary>
/// Compiles device rules into a BPF_PROG_TYPE_CGROUP_DEVICE program shaped as runc's devicefilter:
/// <code>
///   r2 = ctx->access_type &amp; 0xffff   (type: 1 block, 2 char)
///   r3 = ctx->access_type >> 16      (access: 1 mknod, 2 read, 4 write)
///   r4 = ctx->major; r5 = ctx->minor
///   per exception: if r2 != type goto next; [if (r3 &amp; access) != r3 goto next;] [if r4 != major goto next;]
///                  [if r5 != minor goto next;] r0 = action; exit
///   r0 = default; exit
/// </code>
/// The rules are first replayed through <see cref="DeviceEmulator"/>, so every emitted block has the same action
/// (the opposite of the default) and the first-match order of the blocks gives the rules' last-match-wins meaning.
/// </summary>
public static class DeviceFilterProgram
{
    public const string License = "Apache";

    private const int DevBlock = 1, DevChar = 2;
    private const int AccMknod = 1, AccRead = 2, AccWrite = 4;
    private const byte R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

    /// <summary>The program for <paramref name="rules"/> (in the spec's order; the default before any "a" rule is deny).</summary>
    public static List<BpfInstruction> Compile(IEnumerable<DeviceRule> rules)
    {
        DeviceEmulator emu = DeviceEmulator.FromRules(rules);
        var insns = new List<BpfInstruction>
        {
            BpfInstruction.LoadWord(R2, R1, 0),
            BpfInstruction.AndImm32(R2, 0xFFFF),
            BpfInstruction.LoadWord(R3, R1, 0),
            BpfInstruction.RshImm32(R3, 16),
            BpfInstruction.LoadWord(R4, R1, 4),
            BpfInstruction.LoadWord(R5, R1, 8),
        };
        foreach (DeviceRule rule in emu.Exceptions()) AppendRule(insns, rule);
        insns.Add(BpfInstruction.MovImm32(R0, emu.DefaultAllow ? 1 : 0));
        insns.Add(BpfInstruction.Exit());
        return insns;
    }

    private static void AppendRule(List<BpfInstruction> insns, DeviceRule rule)
    {
        int type = rule.Type switch
        {
            'c' => DevChar,
            'b' => DevBlock,
            _ => throw new DeviceRuleException($"invalid type \"{rule.Type}\""),
        };
        if (rule.Major > uint.MaxValue) throw new DeviceRuleException($"invalid major {rule.Major}");
        if (rule.Minor > uint.MaxValue) throw new DeviceRuleException($"invalid minor {rule.Minor}");
        int access = 0;
        foreach (char c in rule.Permissions)
        {
            access |= c switch
            {
                'r' => AccRead,
                'w' => AccWrite,
                'm' => AccMknod,
                _ => throw new DeviceRuleException($"unknown device access '{c}'"),
            };
        }
        bool hasAccess = access != (AccRead | AccWrite | AccMknod);
        bool hasMajor = rule.Major >= 0, hasMinor = rule.Minor >= 0;

        // Jumps go to the instruction after this block ("next"): count the block first.
        int len = 1 + (hasAccess ? 3 : 0) + (hasMajor ? 1 : 0) + (hasMinor ? 1 : 0) + 2;
        int start = insns.Count, next = start + len;
        short Off() => (short)(next - (insns.Count + 1));

        insns.Add(BpfInstruction.JneImm(R2, type, Off()));
        if (hasAccess)
        {
            insns.Add(BpfInstruction.MovReg32(R1, R3));
            insns.Add(BpfInstruction.AndImm32(R1, access));
            insns.Add(BpfInstruction.JneReg(R1, R3, Off()));
        }
        if (hasMajor) insns.Add(BpfInstruction.JneImm(R4, unchecked((int)(uint)rule.Major), Off()));
        if (hasMinor) insns.Add(BpfInstruction.JneImm(R5, unchecked((int)(uint)rule.Minor), Off()));
        insns.Add(BpfInstruction.MovImm32(R0, rule.Allow ? 1 : 0));
        insns.Add(BpfInstruction.Exit());
    }
}
