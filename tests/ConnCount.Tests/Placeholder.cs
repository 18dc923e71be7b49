namespace ConnCount.Tests;
