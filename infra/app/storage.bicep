// Storage account used both as the Functions host storage (AzureWebJobsStorage)
// and as the pipeline's data store (queues, tables, the deliveries container).
// Shared-key access is disabled: every client, the Functions host included,
// authenticates with Entra ID (the managed identity, or the developer's login).

@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region for the storage account.')
param location string

@description('Tags applied to the storage account.')
param tags object = {}

@description('Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

// Containers, queues and tables the pipeline uses. Created here so that the app
// never needs permission to create them and a typo shows up at deploy time.
var blobContainerNames = [
  deploymentContainerName
  'deliveries'
  'backups'
]

var queueNames = [
  'signatures'
  // Created up front so the poison queue is visible (and alertable) before the
  // first failure instead of appearing lazily.
  'signatures-poison'
  // Webhook events on their way to organizers' tools, and the messages whose processing kept failing.
  'webhooks'
  'webhooks-poison'
  // Updates to signers fan out through their own queue, so sending never slows counting.
  'updates'
  'updates-poison'
]

var tableNames = [
  'petitions'
  'signatures'
  'receipts'
  'outcomes'
  'milestones'
  'deliveries'
  'failures'
  'timerruns'
  'invalidations'
  'signermail'
  'webhooks'
  'updates'
  'consolesignins'
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    // Identity-only access: no account keys, no SAS signed with account keys.
    allowSharedKeyAccess: false
    // The portal then uses Entra ID by default, matching allowSharedKeyAccess: false.
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

// Delivery files (PDF, CSV, manifest) are what was sent to targets: a blob overwritten or deleted by mistake can be
// brought back (versions, and soft delete of blobs and containers) for the retention period.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: 30
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 30
    }
  }
}

// The account holds every signature: deleting it (a wrong resource group, `azd down`) must take a deliberate step
// first, removing this lock. Creating it needs Microsoft.Authorization/locks/write (Owner or User Access Administrator).
resource deleteLock 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'do-not-delete-signatures'
  scope: storage
  properties: {
    level: 'CanNotDelete'
    notes: 'Holds every signature and delivery. Back up (backups container) and remove this lock on purpose before deleting.'
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for containerName in blobContainerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
