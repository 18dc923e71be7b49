namespace ConnCount.ServiceDefaults;
