stage           = "staging"
region          = "ap-guangzhou"
zones           = ["ap-guangzhou-3", "ap-guangzhou-4"]
mysql_mem_mb    = 2000
mysql_volume_gb = 50
redis_mem_mb    = 256
