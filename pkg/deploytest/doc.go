// Package deploytest holds no code, only the tests of parley's deployment
// files: docker-compose.yml (loaded with the compose-spec library, as
// docker compose loads it), the Dockerfile the services build, the Kubernetes
// manifests, and the Kibana saved objects (checked against the mapping a
// real Elasticsearch reports for parley's alias).
package deploytest
