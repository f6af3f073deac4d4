// Azure Communication Services email: an Email Communication Service with an
// Azure-managed domain (xxxx.azurecomm.net, no DNS work needed), linked to a
// Communication Services resource whose endpoint the app sends through.
// The app authenticates with its managed identity (role granted in rbac.bicep),
// so no ACS connection string or access key is ever handed out.

@description('Name of the Email Communication Service.')
param emailServiceName string

@description('Name of the Communication Services resource (becomes <name>.communication.azure.com).')
param communicationServiceName string

@description('Where ACS stores data at rest (a geography, not an Azure region).')
param dataLocation string = 'United States'

@description('Tags applied to the email resources.')
param tags object = {}

// Communication resources are global; their data residency is set by dataLocation.
resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource domain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  // An Azure-managed domain must be named exactly this.
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    // Petition emails are transactional; no open/click tracking.
    userEngagementTracking: 'Disabled'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      domain.id
    ]
  }
}

output communicationServiceName string = communicationService.name
output endpoint string = 'https://${communicationService.properties.hostName}'
// Azure-managed domains only accept sender usernames registered on the domain;
// DoNotReply is the one created with every Azure-managed domain.
output senderAddress string = 'DoNotReply@${domain.properties.mailFromSenderDomain}'
