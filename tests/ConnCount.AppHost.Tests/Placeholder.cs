namespace ConnCount.AppHost.Tests;
