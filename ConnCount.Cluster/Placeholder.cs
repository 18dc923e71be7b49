namespace ConnCount.Cluster;
