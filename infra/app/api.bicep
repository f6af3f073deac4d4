// Flex Consumption plan + the SignaturePipeline function app (.NET 10 isolated
// worker). Everything the app talks to is reached with the user-assigned
// managed identity: no connection strings or account keys appear in the app
// settings.

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region for the plan and the app (must offer Flex Consumption).')
param location string

@description('Tags applied to the plan; the app additionally gets azd-service-name.')
param tags object = {}

@description('azd service name from azure.yaml; azd finds the app to deploy to by this tag.')
param serviceName string = 'api'

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client id of that identity (selects it for DefaultAzureCredential and the Functions host).')
param identityClientId string

@description('Name of the storage account (host storage + pipeline data).')
param storageAccountName string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('ACS endpoint, https://<name>.communication.azure.com.')
param acsEndpoint string

@description('Sender address on the Azure-managed email domain.')
param emailSenderAddress string

@description('Key Vault URI (versionless) of the pipeline secret, which keys the de-duplication hashes; the app reads it through a Key Vault reference.')
param pipelineKeyVaultItemUri string

@description('Upper bound on Flex Consumption instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux plan; Flex Consumption only runs on Linux.
    reserved: true
  }
}

// functionAppConfig (Flex Consumption's runtime, scale and deployment settings)
// needs Microsoft.Web/sites 2023-12-01 or later.
resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (Pipeline__SecretKey) are resolved with this identity, which holds Key Vault Secrets User.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          // primaryEndpoints.blob ends with '/'.
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      // On Flex Consumption the worker runtime is set here, which is why
      // FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION are not app settings
      // (the platform rejects them).
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  // A single appsettings resource replaces the whole set on every deployment,
  // so settings changed by hand in the portal do not survive `azd provision`.
  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      // Identity-based host storage. The service URIs (rather than accountName)
      // are what the app's own storage clients read too.
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
      AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
      AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table

      // "/" is the landing page (a catch-all route, see Routes.Landing), not the host's default home page.
      AzureWebJobsDisableHomepage: 'true'

      // DefaultAzureCredential picks the user-assigned identity from this.
      AZURE_CLIENT_ID: identityClientId

      // Application Insights with local auth disabled: telemetry is sent with an
      // Entra token for the managed identity.
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

      // A Key Vault reference: the platform resolves it with keyVaultReferenceIdentity; the secret is not in the settings.
      Pipeline__SecretKey: '@Microsoft.KeyVault(SecretUri=${pipelineKeyVaultItemUri})'
      // Links in emails (confirm, remove, milestones) point here. The app would fall back to WEBSITE_HOSTNAME, which is
      // the same name; set explicitly so that a custom domain is one visible edit.
      Pipeline__PublicBaseUrl: 'https://${functionApp.properties.defaultHostName}'
      // Changing the shard count re-partitions counters; keep it fixed per environment.
      Pipeline__ShardCount: '8'
      // Raise by one to rotate the key that signs links and receipt ids (see README, Deploy to Azure).
      Pipeline__TokenKeyVersion: '1'

      Email__Transport: 'acs'
      Email__From: emailSenderAddress
      Email__Acs__Endpoint: acsEndpoint
      Email__Acs__UseManagedIdentity: 'true'

      // NCRONTAB (six fields, with seconds), evaluated in UTC.
      SendMilestoneEmailsSchedule: '0 */5 * * * *'
      CompileWeeklyDeliveriesSchedule: '0 0 13 * * 1'
      FinishDeliveriesSchedule: '0 */10 * * * *'
      // Timer schedules must exist as app settings: a %Setting% the host cannot resolve stops the function from loading.
      SendSignerEmailsSchedule: '0 */2 * * * *'
      AnonymiseClosedPetitionsSchedule: '0 30 3 * * *'
      BackupTablesSchedule: '0 0 2 * * *'
      DispatchWebhooksSchedule: '*/30 * * * * *'
    }
  }
}

output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
