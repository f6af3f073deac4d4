// SignaturePipeline infrastructure, deployed by `azd up` (see azure.yaml).
// Subscription scope so the deployment can create the environment's resource
// group itself, as the azd Functions quickstarts do.
//
// Plain resources only (no br/public: registry modules) so that infra/check.sh
// can compile and lint everything offline.

targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; used in the resource group name and to derive unique resource names.')
param environmentName string

@minLength(1)
@description('Azure region for all regional resources. It must offer the Flex Consumption plan (`az functionapp list-flexconsumption-locations`).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the user running azd (azd fills it in). It is used only with grantDeployerDataAccess.')
param principalId string = ''

// Signers' names, emails and addresses live in this storage account. Whoever runs `azd up` does not need to read
// them to deploy, so the data roles for that person are an explicit choice:
//   azd env set GRANT_DEPLOYER_DATA_ACCESS true
@description('Give the user running azd the storage data roles (read and write signers\' data), e.g. to point Storage Explorer at it. Off by default.')
param grantDeployerDataAccess bool = false

// No default on purpose: a generated default (newGuid()) would change on every
// deployment, and this key feeds the signature de-duplication hashes, so it
// must NEVER change once signatures exist. Set it once per environment:
//   azd env set PIPELINE_SECRET_KEY "$(openssl rand -base64 32)"
// and never rotate it. main.parameters.json maps it from ${PIPELINE_SECRET_KEY};
// the minimum length makes an unset variable fail the deployment instead of
// silently deploying an empty key.
@secure()
@minLength(16)
@description('HMAC key for signature de-duplication. Set once with `azd env set PIPELINE_SECRET_KEY`; never change it.')
param pipelineSecretKey string

@minValue(1)
@maxValue(1000)
@description('Maximum number of Flex Consumption instances the function app may scale out to.')
param maximumInstanceCount int = 100

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
// Container names allow 3-63 characters: 'app-package-' + <= 32 + '-' + 7.
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module email 'app/email.bicep' = {
  name: 'email'
  scope: rg
  params: {
    emailServiceName: '${abbrs.communicationEmailServices}${resourceToken}'
    communicationServiceName: '${abbrs.communicationServices}${resourceToken}'
    dataLocation: 'United States'
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    communicationServiceName: email.outputs.communicationServiceName
    managedIdentityPrincipalId: identity.outputs.principalId
    userPrincipalId: grantDeployerDataAccess ? principalId : ''
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    managedIdentityPrincipalId: identity.outputs.principalId
    pipelineSecretKey: pipelineSecretKey
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    acsEndpoint: email.outputs.endpoint
    emailSenderAddress: email.outputs.senderAddress
    pipelineKeyVaultItemUri: keyVault.outputs.pipelineSecretKeyUri
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: 2048
  }
  // Not a data dependency: create the app only after its identity holds its
  // roles, so the host's first start does not fail on storage/App Insights
  // access while the assignments are still missing.
  dependsOn: [
    rbac
  ]
}

// azd reads these into the environment (.azure/<env>/.env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output EMAIL_SENDER_ADDRESS string = email.outputs.senderAddress
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
