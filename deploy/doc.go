// Package deploy holds what it takes to run plutora-sync, and the tests that
// keep those files true to the code:
//
//   - kubernetes/base: a kustomize base (Deployment of two replicas, ConfigMap,
//     Secret, headless Service, PodDisruptionBudget, NetworkPolicy);
//     kubernetes/prometheus-operator adds a ServiceMonitor;
//   - compose.yaml: PostgreSQL, the sandbox (plutora-sync sim) and the worker;
//   - systemd: a unit and its environment file;
//   - grafana: a dashboard over the daemon's metrics;
//   - prometheus: alerting rules.
//
// The package has no code: its tests parse every YAML and JSON file here, parse
// every PromQL expression, and check that each metric, label and environment
// variable they name is one the daemon really registers or reads.
package deploy
