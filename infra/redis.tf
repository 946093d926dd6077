# Redis in the VPC with a password (nonces, rate windows): a replica in
# the second zone.
resource "tencentcloud_redis_instance" "main" {
  name               = "wxlend-${var.stage}"
  availability_zone  = var.zones[0]
  type_id            = 8
  mem_size           = var.redis_mem_mb
  redis_shard_num    = 1
  redis_replicas_num = 1
  replica_zone_ids   = [var.zones[1]]
  vpc_id             = tencentcloud_vpc.main.id
  subnet_id          = tencentcloud_subnet.zone[0].id
  security_groups    = [tencentcloud_security_group.data.id]
  port               = 6379
  password           = var.redis_password
  charge_type        = "POSTPAID"
}
