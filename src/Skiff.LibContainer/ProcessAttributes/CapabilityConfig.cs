namespace Skiff.LibContainer.ProcessAttributes;

/// <summary>process.capabilities as bit masks (bit n = capability n), unknown names already dropped.</summary>
internal readonly record struct CapabilityConfig(ulong Bounding, ulong Effective, ulong Permitted, ulong Inheritable, ulong Ambient);
