"""Protobuf field tables of the API groups other than core, in the notation `protobuf` describes.

Kubernetes' wire format at v1.37 (`generated.proto` of k8s.io/api `apps/v1`, `batch/v1`,
`autoscaling/v1` and `v2`, `rbac/v1`, `scheduling/v1`, `policy/v1`, `networking/v1`,
`authorization/v1`, `authentication/v1`, and `scheduling/v1alpha3`, whose types an alpha field
of Job refers to); JSON names and zero-value handling from the Go structs' tags. Packages:
`apps`, `batch`, `asv1`/`asv2` (autoscaling), `rbac`, `sched` (scheduling), `schedv1a3`,
`policy`, `net` (networking), `authz` (authorization), `authn` (authentication).
"""

TABLE = """
[apps]
Deployment: 1 metadata @meta.ObjectMeta 2 spec @DeploymentSpec 3 status @DeploymentStatus
DeploymentCondition: 1 type s! 2 status s! 4 reason s 5 message s 6 lastUpdateTime t
    7 lastTransitionTime t
DeploymentSpec: 1 replicas i! 2 selector @meta.LabelSelector~ 3 template @core.PodTemplateSpec
    4 strategy @DeploymentStrategy 5 minReadySeconds i 6 revisionHistoryLimit i! 7 paused b
    9 progressDeadlineSeconds i!
DeploymentStatus: 1 observedGeneration i 2 replicas i 3 updatedReplicas i 4 availableReplicas i
    5 unavailableReplicas i 6 conditions *@DeploymentCondition 7 readyReplicas i
    8 collisionCount i! 9 terminatingReplicas i!
DeploymentStrategy: 1 type s 2 rollingUpdate @RollingUpdateDeployment
RollingUpdateDeployment: 1 maxUnavailable n! 2 maxSurge n!
[batch]
CronJob: 1 metadata @meta.ObjectMeta 2 spec @CronJobSpec 3 status @CronJobStatus
CronJobSpec: 1 schedule s! 2 startingDeadlineSeconds i! 3 concurrencyPolicy s 4 suspend b!
    5 jobTemplate @JobTemplateSpec 6 successfulJobsHistoryLimit i! 7 failedJobsHistoryLimit i!
    8 timeZone s!
CronJobStatus: 1 active *@core.ObjectReference 4 lastScheduleTime t! 5 lastSuccessfulTime t!
Job: 1 metadata @meta.ObjectMeta 2 spec @JobSpec 3 status @JobStatus
JobCondition: 1 type s! 2 status s! 3 lastProbeTime t 4 lastTransitionTime t 5 reason s
    6 message s
JobSchedulingConfiguration: 1 schedulingPolicy @schedv1a3.WorkloadPodGroupSchedulingPolicy
    2 schedulingConstraints @schedv1a3.WorkloadPodGroupSchedulingConstraints
    3 disruptionMode @schedv1a3.WorkloadPodGroupDisruptionMode
    4 resourceClaims *@schedv1a3.WorkloadPodGroupResourceClaim
JobSpec: 1 parallelism i! 2 completions i! 3 activeDeadlineSeconds i!
    4 selector @meta.LabelSelector 5 manualSelector b! 6 template @core.PodTemplateSpec
    7 backoffLimit i! 8 ttlSecondsAfterFinished i! 9 completionMode s! 10 suspend b!
    11 podFailurePolicy @PodFailurePolicy 12 backoffLimitPerIndex i! 13 maxFailedIndexes i!
    14 podReplacementPolicy s! 15 managedBy s! 16 successPolicy @SuccessPolicy
    17 scheduling @JobSchedulingConfiguration
JobStatus: 1 conditions *@JobCondition 2 startTime t! 3 completionTime t! 4 active i
    5 succeeded i 6 failed i 7 completedIndexes s
    8 uncountedTerminatedPods @UncountedTerminatedPods 9 ready i! 10 failedIndexes s!
    11 terminating i!
JobTemplateSpec: 1 metadata @meta.ObjectMeta 2 spec @JobSpec
PodFailurePolicy: 1 rules *@PodFailurePolicyRule~
PodFailurePolicyOnExitCodesRequirement: 1 containerName s! 2 operator s! 3 values *i~
PodFailurePolicyOnPodConditionsPattern: 1 type s! 2 status s!
PodFailurePolicyRule: 1 action s! 2 onExitCodes @PodFailurePolicyOnExitCodesRequirement
    3 onPodConditions *@PodFailurePolicyOnPodConditionsPattern
SuccessPolicy: 1 rules *@SuccessPolicyRule~
SuccessPolicyRule: 1 succeededIndexes s! 2 succeededCount i!
UncountedTerminatedPods: 1 succeeded *s 2 failed *s
[schedv1a3]
TopologyConstraint: 1 key s!
WorkloadPodGroupAllDisruptionMode:
WorkloadPodGroupBasicSchedulingPolicy:
WorkloadPodGroupDisruptionMode: 1 single @WorkloadPodGroupSingleDisruptionMode
    2 all @WorkloadPodGroupAllDisruptionMode
WorkloadPodGroupGangSchedulingPolicy: 1 minCount i!
WorkloadPodGroupResourceClaim: 1 name s! 2 resourceClaimName s! 3 resourceClaimTemplateName s!
WorkloadPodGroupSchedulingConstraints: 1 topology *@TopologyConstraint
WorkloadPodGroupSchedulingPolicy: 1 basic @WorkloadPodGroupBasicSchedulingPolicy
    2 gang @WorkloadPodGroupGangSchedulingPolicy
WorkloadPodGroupSingleDisruptionMode:
[asv1]
CrossVersionObjectReference: 1 kind s! 2 name s! 3 apiVersion s
HorizontalPodAutoscaler: 1 metadata @meta.ObjectMeta 2 spec @HorizontalPodAutoscalerSpec
    3 status @HorizontalPodAutoscalerStatus
HorizontalPodAutoscalerSpec: 1 scaleTargetRef @CrossVersionObjectReference 2 minReplicas i!
    3 maxReplicas i! 4 targetCPUUtilizationPercentage i!
HorizontalPodAutoscalerStatus: 1 observedGeneration i! 2 lastScaleTime t! 3 currentReplicas i!
    4 desiredReplicas i! 5 currentCPUUtilizationPercentage i!
[asv2]
ContainerResourceMetricSource: 1 name s! 2 target @MetricTarget 3 container s!
ContainerResourceMetricStatus: 1 name s! 2 current @MetricValueStatus 3 container s!
CrossVersionObjectReference: 1 kind s! 2 name s! 3 apiVersion s
ExternalMetricSource: 1 metric @MetricIdentifier 2 target @MetricTarget
ExternalMetricStatus: 1 metric @MetricIdentifier 2 current @MetricValueStatus
HPAScalingPolicy: 1 type s! 2 value i! 3 periodSeconds i!
HPAScalingRules: 1 selectPolicy s! 2 policies *@HPAScalingPolicy
    3 stabilizationWindowSeconds i! 4 tolerance q!
HorizontalPodAutoscaler: 1 metadata @meta.ObjectMeta 2 spec @HorizontalPodAutoscalerSpec
    3 status @HorizontalPodAutoscalerStatus
HorizontalPodAutoscalerBehavior: 1 scaleUp @HPAScalingRules 2 scaleDown @HPAScalingRules
HorizontalPodAutoscalerCondition: 1 type s! 2 status s! 3 lastTransitionTime t 4 reason s
    5 message s 6 observedGeneration i!
HorizontalPodAutoscalerSpec: 1 scaleTargetRef @CrossVersionObjectReference 2 minReplicas i!
    3 maxReplicas i! 4 metrics *@MetricSpec 5 behavior @HorizontalPodAutoscalerBehavior
HorizontalPodAutoscalerStatus: 1 observedGeneration i! 2 lastScaleTime t! 3 currentReplicas i
    4 desiredReplicas i! 5 currentMetrics *@MetricStatus~
    6 conditions *@HorizontalPodAutoscalerCondition
MetricIdentifier: 1 name s! 2 selector @meta.LabelSelector
MetricSpec: 1 type s! 2 object @ObjectMetricSource 3 pods @PodsMetricSource
    4 resource @ResourceMetricSource 5 external @ExternalMetricSource
    7 containerResource @ContainerResourceMetricSource
MetricStatus: 1 type s! 2 object @ObjectMetricStatus 3 pods @PodsMetricStatus
    4 resource @ResourceMetricStatus 5 external @ExternalMetricStatus
    7 containerResource @ContainerResourceMetricStatus
MetricTarget: 1 type s! 2 value q! 3 averageValue q! 4 averageUtilization i!
MetricValueStatus: 1 value q! 2 averageValue q! 3 averageUtilization i!
ObjectMetricSource: 1 describedObject @CrossVersionObjectReference 2 target @MetricTarget
    3 metric @MetricIdentifier
ObjectMetricStatus: 1 metric @MetricIdentifier 2 current @MetricValueStatus
    3 describedObject @CrossVersionObjectReference
PodsMetricSource: 1 metric @MetricIdentifier 2 target @MetricTarget
PodsMetricStatus: 1 metric @MetricIdentifier 2 current @MetricValueStatus
ResourceMetricSource: 1 name s! 2 target @MetricTarget
ResourceMetricStatus: 1 name s! 2 current @MetricValueStatus
[rbac]
AggregationRule: 1 clusterRoleSelectors *@meta.LabelSelector
ClusterRole: 1 metadata @meta.ObjectMeta 2 rules *@PolicyRule~
    3 aggregationRule @AggregationRule
ClusterRoleBinding: 1 metadata @meta.ObjectMeta 2 subjects *@Subject 3 roleRef @RoleRef
PolicyRule: 1 verbs *s~ 2 apiGroups *s 3 resources *s 4 resourceNames *s 5 nonResourceURLs *s
Role: 1 metadata @meta.ObjectMeta 2 rules *@PolicyRule~
RoleBinding: 1 metadata @meta.ObjectMeta 2 subjects *@Subject 3 roleRef @RoleRef
RoleRef: 1 apiGroup s! 2 kind s! 3 name s!
Subject: 1 kind s! 2 apiGroup s 3 name s! 4 namespace s
[sched]
PriorityClass: 1 metadata @meta.ObjectMeta 2 value i! 3 globalDefault b 4 description s
    5 preemptionPolicy s!
[policy]
PodDisruptionBudget: 1 metadata @meta.ObjectMeta 2 spec @PodDisruptionBudgetSpec
    3 status @PodDisruptionBudgetStatus
PodDisruptionBudgetSpec: 1 minAvailable n! 2 selector @meta.LabelSelector 3 maxUnavailable n!
    4 unhealthyPodEvictionPolicy s!
PodDisruptionBudgetStatus: 1 observedGeneration i 2 disruptedPods mt 3 disruptionsAllowed i!
    4 currentHealthy i! 5 desiredHealthy i! 6 expectedPods i! 7 conditions *@meta.Condition
[net]
HTTPIngressPath: 1 path s 2 backend @IngressBackend 3 pathType s!~
HTTPIngressRuleValue: 1 paths *@HTTPIngressPath~
Ingress: 1 metadata @meta.ObjectMeta 2 spec @IngressSpec 3 status @IngressStatus
IngressBackend: 3 resource @core.TypedLocalObjectReference 4 service @IngressServiceBackend
IngressLoadBalancerIngress: 1 ip s 2 hostname s 4 ports *@IngressPortStatus
IngressLoadBalancerStatus: 1 ingress *@IngressLoadBalancerIngress
IngressPortStatus: 1 port i! 2 protocol s! 3 error s!
IngressRule: 1 host s 2 ingressRuleValue @IngressRuleValue^
IngressRuleValue: 1 http @HTTPIngressRuleValue
IngressServiceBackend: 1 name s! 2 port @ServiceBackendPort
IngressSpec: 1 defaultBackend @IngressBackend 2 tls *@IngressTLS 3 rules *@IngressRule
    4 ingressClassName s!
IngressStatus: 1 loadBalancer @IngressLoadBalancerStatus
IngressTLS: 1 hosts *s 2 secretName s
ServiceBackendPort: 1 name s 2 number i
[authz]
FieldSelectorAttributes: 1 rawSelector s 2 requirements *@meta.FieldSelectorRequirement
LabelSelectorAttributes: 1 rawSelector s 2 requirements *@meta.LabelSelectorRequirement
NonResourceAttributes: 1 path s 2 verb s
NonResourceRule: 1 verbs *s~ 2 nonResourceURLs *s
ResourceAttributes: 1 namespace s 2 verb s 3 group s 4 version s 5 resource s 6 subresource s
    7 name s 8 fieldSelector @FieldSelectorAttributes 9 labelSelector @LabelSelectorAttributes
ResourceRule: 1 verbs *s~ 2 apiGroups *s 3 resources *s 4 resourceNames *s
SelfSubjectAccessReview: 1 metadata @meta.ObjectMeta 2 spec @SelfSubjectAccessReviewSpec
    3 status @SubjectAccessReviewStatus
SelfSubjectAccessReviewSpec: 1 resourceAttributes @ResourceAttributes
    2 nonResourceAttributes @NonResourceAttributes
SelfSubjectRulesReview: 1 metadata @meta.ObjectMeta 2 spec @SelfSubjectRulesReviewSpec
    3 status @SubjectRulesReviewStatus
SelfSubjectRulesReviewSpec: 1 namespace s
SubjectAccessReviewStatus: 1 allowed b! 2 reason s 3 evaluationError s 4 denied b
SubjectRulesReviewStatus: 1 resourceRules *@ResourceRule~ 2 nonResourceRules *@NonResourceRule~
    3 incomplete b! 4 evaluationError s
[authn]
SelfSubjectReview: 1 metadata @meta.ObjectMeta 2 status @SelfSubjectReviewStatus
SelfSubjectReviewStatus: 1 userInfo @UserInfo
UserInfo: 1 username s 2 uid s 3 groups *s 4 extra mLs
"""
