stage           = "prod"
region          = "ap-guangzhou"
zones           = ["ap-guangzhou-3", "ap-guangzhou-4"]
mysql_mem_mb    = 8000
mysql_volume_gb = 500
redis_mem_mb    = 2048
