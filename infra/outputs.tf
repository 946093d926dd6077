# What serverless.yml reads (scripts/deploy.sh exports these as the stage
# variables of the same upper-case names).

output "vpc_id" {
  value = tencentcloud_vpc.main.id
}

output "subnet_ids" {
  value = tencentcloud_subnet.zone[*].id
}

output "functions_security_group_id" {
  value = tencentcloud_security_group.functions.id
}

output "scf_namespace" {
  value = tencentcloud_scf_namespace.main.namespace
}

output "role_name" {
  value = tencentcloud_cam_role.functions.name
}

output "mysql_host" {
  value = tencentcloud_mysql_instance.main.intranet_ip
}

output "mysql_port" {
  value = tencentcloud_mysql_instance.main.intranet_port
}

output "redis_addr" {
  value = "${tencentcloud_redis_instance.main.ip}:${tencentcloud_redis_instance.main.port}"
}

output "pii_kms_key_id" {
  value = tencentcloud_kms_key.pii.key_id
}

output "cls_logset_id" {
  value = tencentcloud_cls_logset.main.id
}

output "cls_topic_id" {
  value = tencentcloud_cls_topic.functions.id
}
