package main

// What the API server's validation or the cluster would refuse or silently get wrong, that strict
// decoding cannot see: names, label syntax, selectors that select nothing, named ports that are
// not there, an autoscaler or monitor pointing at nothing.

import (
	"fmt"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

type checker struct {
	problems    []string
	deployments []*appsv1.Deployment
	services    []*corev1.Service
}

func (c *checker) fail(where, format string, args ...any) {
	c.problems = append(c.problems, where+": "+fmt.Sprintf(format, args...))
}

func (c *checker) each(where, what string, errs []string) {
	for _, e := range errs {
		c.fail(where, "%s: %s", what, e)
	}
}

func checkObjects(objects []object) []string {
	c := &checker{}
	seen := map[string]bool{}
	for _, o := range objects {
		if seen[o.where] {
			c.fail(o.where, "rendered twice")
		}
		seen[o.where] = true
		switch v := o.obj.(type) {
		case *appsv1.Deployment:
			c.deployments = append(c.deployments, v)
		case *corev1.Service:
			c.services = append(c.services, v)
		}
	}
	for _, o := range objects {
		if m, ok := o.obj.(metav1.Object); ok {
			c.meta(o.where, m)
		}
		switch v := o.obj.(type) {
		case *appsv1.Deployment:
			c.deployment(o.where, v)
		case *corev1.Service:
			c.service(o.where, v)
		case *policyv1.PodDisruptionBudget:
			c.pdb(o.where, v)
		case *autoscalingv2.HorizontalPodAutoscaler:
			c.hpa(o.where, v)
		case *monitoringv1.ServiceMonitor:
			c.serviceMonitor(o.where, v)
		case *corev1.ConfigMap, *corev1.Secret, *corev1.ServiceAccount:
		default:
			c.fail(o.where, "no checks written for this kind: add them to checks.go")
		}
	}
	return c.problems
}

func (c *checker) meta(where string, m metav1.Object) {
	if m.GetName() == "" {
		c.fail(where, "metadata.name is required")
	}
	c.each(where, "metadata.name", validation.IsDNS1123Subdomain(m.GetName()))
	c.labels(where, "metadata.labels", m.GetLabels())
	for k := range m.GetAnnotations() {
		c.each(where, "annotation "+k, validation.IsQualifiedName(k))
	}
}

func (c *checker) labels(where, what string, l map[string]string) {
	for k, v := range l {
		c.each(where, what+" key "+k, validation.IsQualifiedName(k))
		c.each(where, what+" value "+v, validation.IsValidLabelValue(v))
	}
}

func (c *checker) selector(where string, s *metav1.LabelSelector) labels.Selector {
	if s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0) {
		c.fail(where, "an empty selector selects every pod of the namespace")
		return labels.Nothing()
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		c.fail(where, "selector: %v", err)
		return labels.Nothing()
	}
	c.labels(where, "selector", s.MatchLabels)
	return sel
}

// selected: the deployments whose pods a selector picks.
func (c *checker) selected(sel labels.Selector) []*appsv1.Deployment {
	var out []*appsv1.Deployment
	for _, d := range c.deployments {
		if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			out = append(out, d)
		}
	}
	return out
}

func (c *checker) deployment(where string, d *appsv1.Deployment) {
	sel := c.selector(where, d.Spec.Selector)
	if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		c.fail(where, "spec.selector does not match the pod template's labels")
	}
	c.labels(where, "template labels", d.Spec.Template.Labels)
	if d.Spec.Replicas != nil && *d.Spec.Replicas < 0 {
		c.fail(where, "spec.replicas is negative")
	}
	pod := d.Spec.Template.Spec
	if len(pod.Containers) == 0 {
		c.fail(where, "no containers")
	}
	volumes := map[string]bool{}
	for _, v := range pod.Volumes {
		c.each(where, "volume name", validation.IsDNS1123Label(v.Name))
		if volumes[v.Name] {
			c.fail(where, "volume %q twice", v.Name)
		}
		volumes[v.Name] = true
	}
	for _, ctr := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
		at := where + " container " + ctr.Name
		c.each(at, "name", validation.IsDNS1123Label(ctr.Name))
		if ctr.Image == "" {
			c.fail(at, "image is required")
		}
		ports := map[string]bool{}
		for _, p := range ctr.Ports {
			c.each(at, "containerPort", validation.IsValidPortNum(int(p.ContainerPort)))
			if p.Name != "" {
				c.each(at, "port name "+p.Name, validation.IsValidPortName(p.Name))
				if ports[p.Name] {
					c.fail(at, "port name %q twice", p.Name)
				}
				ports[p.Name] = true
			}
		}
		for _, e := range ctr.Env {
			c.each(at, "env "+e.Name, validation.IsEnvVarName(e.Name))
		}
		for _, m := range ctr.VolumeMounts {
			if !volumes[m.Name] {
				c.fail(at, "volumeMount %q names no volume", m.Name)
			}
		}
		for name, probe := range map[string]*corev1.Probe{"liveness": ctr.LivenessProbe, "readiness": ctr.ReadinessProbe, "startup": ctr.StartupProbe} {
			if probe == nil {
				continue
			}
			var port *intstr.IntOrString
			if probe.HTTPGet != nil {
				port = &probe.HTTPGet.Port
			} else if probe.TCPSocket != nil {
				port = &probe.TCPSocket.Port
			}
			if port != nil && port.Type == intstr.String && !ports[port.StrVal] {
				c.fail(at, "%s probe names port %q, which the container does not have", name, port.StrVal)
			}
		}
	}
}

func namedPorts(d *appsv1.Deployment) map[string]bool {
	out := map[string]bool{}
	for _, ctr := range d.Spec.Template.Spec.Containers {
		for _, p := range ctr.Ports {
			out[p.Name] = true
		}
	}
	return out
}

func (c *checker) service(where string, s *corev1.Service) {
	c.each(where, "metadata.name", validation.IsDNS1035Label(s.Name))
	switch s.Spec.Type {
	case "", corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
	default:
		c.fail(where, "type %q is not served by this chart's checks", s.Spec.Type)
	}
	if len(s.Spec.Ports) == 0 {
		c.fail(where, "no ports")
	}
	var pods []*appsv1.Deployment
	if len(s.Spec.Selector) == 0 {
		c.fail(where, "no selector: nothing would back this service")
	} else {
		c.labels(where, "selector", s.Spec.Selector)
		pods = c.selected(labels.SelectorFromSet(s.Spec.Selector))
		if len(pods) == 0 {
			c.fail(where, "selector %v matches no rendered pod template", s.Spec.Selector)
		}
	}
	names := map[string]bool{}
	numbers := map[string]bool{}
	for _, p := range s.Spec.Ports {
		if len(s.Spec.Ports) > 1 && p.Name == "" {
			c.fail(where, "port %d: every port needs a name when there is more than one", p.Port)
		}
		if p.Name != "" {
			c.each(where, "port name "+p.Name, validation.IsDNS1123Label(p.Name))
		}
		if names[p.Name] {
			c.fail(where, "port name %q twice", p.Name)
		}
		names[p.Name] = true
		key := fmt.Sprintf("%s/%d", p.Protocol, p.Port)
		if numbers[key] {
			c.fail(where, "port %d twice", p.Port)
		}
		numbers[key] = true
		c.each(where, "port", validation.IsValidPortNum(int(p.Port)))
		if p.NodePort != 0 {
			if s.Spec.Type != corev1.ServiceTypeNodePort && s.Spec.Type != corev1.ServiceTypeLoadBalancer {
				c.fail(where, "port %d: nodePort needs type NodePort or LoadBalancer", p.Port)
			}
			if p.NodePort < 30000 || p.NodePort > 32767 {
				c.fail(where, "port %d: nodePort %d is outside the default range 30000-32767", p.Port, p.NodePort)
			}
		}
		if p.TargetPort.Type == intstr.String {
			for _, d := range pods {
				if !namedPorts(d)[p.TargetPort.StrVal] {
					c.fail(where, "port %d: targetPort %q is not a port of Deployment/%s", p.Port, p.TargetPort.StrVal, d.Name)
				}
			}
		} else if p.TargetPort.IntVal != 0 {
			c.each(where, "targetPort", validation.IsValidPortNum(int(p.TargetPort.IntVal)))
		}
	}
}

func (c *checker) pdb(where string, p *policyv1.PodDisruptionBudget) {
	if (p.Spec.MinAvailable == nil) == (p.Spec.MaxUnavailable == nil) {
		c.fail(where, "set exactly one of minAvailable and maxUnavailable")
	}
	if len(c.selected(c.selector(where, p.Spec.Selector))) == 0 {
		c.fail(where, "selector matches no rendered pod template")
	}
}

func (c *checker) hpa(where string, h *autoscalingv2.HorizontalPodAutoscaler) {
	ref := h.Spec.ScaleTargetRef
	var target *appsv1.Deployment
	for _, d := range c.deployments {
		if ref.Kind == "Deployment" && ref.APIVersion == "apps/v1" && ref.Name == d.Name {
			target = d
		}
	}
	if target == nil {
		c.fail(where, "scaleTargetRef %s %s/%s is not a rendered Deployment", ref.APIVersion, ref.Kind, ref.Name)
	}
	if h.Spec.MinReplicas != nil && (*h.Spec.MinReplicas < 1 || *h.Spec.MinReplicas > h.Spec.MaxReplicas) {
		c.fail(where, "minReplicas must be at least 1 and at most maxReplicas")
	}
	if h.Spec.MaxReplicas < 1 {
		c.fail(where, "maxReplicas must be at least 1")
	}
	if len(h.Spec.Metrics) == 0 {
		c.fail(where, "no metrics")
	}
	for _, m := range h.Spec.Metrics {
		if m.Type != autoscalingv2.ResourceMetricSourceType || m.Resource == nil || target == nil {
			continue
		}
		if m.Resource.Target.Type != autoscalingv2.UtilizationMetricType {
			continue
		}
		// Utilization is a share of the request: without one the autoscaler cannot compute it.
		for _, ctr := range target.Spec.Template.Spec.Containers {
			if _, ok := ctr.Resources.Requests[m.Resource.Name]; !ok {
				c.fail(where, "%s utilization needs a %s request on container %s", m.Resource.Name, m.Resource.Name, ctr.Name)
			}
		}
	}
}

func (c *checker) serviceMonitor(where string, m *monitoringv1.ServiceMonitor) {
	sel := c.selector(where, &m.Spec.Selector)
	var matched []*corev1.Service
	for _, s := range c.services {
		if sel.Matches(labels.Set(s.Labels)) {
			matched = append(matched, s)
		}
	}
	if len(matched) == 0 {
		c.fail(where, "selector matches no rendered Service's labels")
	}
	if len(m.Spec.Endpoints) == 0 {
		c.fail(where, "no endpoints")
	}
	for _, e := range m.Spec.Endpoints {
		if e.Port == "" {
			continue
		}
		for _, s := range matched {
			found := false
			for _, p := range s.Spec.Ports {
				found = found || p.Name == e.Port
			}
			if !found {
				c.fail(where, "endpoint port %q is not a port of Service/%s", e.Port, s.Name)
			}
		}
	}
}
