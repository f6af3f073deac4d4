namespace SignaturePipeline.IntegrationTests.Infrastructure;

/// <summary>The system clock moved by <see cref="Offset"/>: lets a test step past a claim's lease or a day of snapshots.</summary>
public sealed class ShiftableClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
