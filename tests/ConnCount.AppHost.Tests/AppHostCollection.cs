namespace ConnCount.AppHost.Tests;

/// <summary>The tests that share the AppHost as <c>dotnet run</c> starts it; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<ConnCountAppFixture>
{
    public const string Name = "AppHost";
}
