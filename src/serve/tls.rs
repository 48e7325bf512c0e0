//! The served API's TLS: kubectl sends its bearer token only over TLS, so each serve makes a
//! throw-away certificate authority and a certificate for 127.0.0.1 signed by it; the
//! kubeconfig carries the authority's certificate.
// K8S: staging/src/k8s.io/client-go/tools/clientcmd/client_config.go (ClientConfig: user
// credentials are read only when the transport is TLS)

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};

/// PEM texts of a serve's certificates.
pub struct Certificates {
    /// The authority clients trust (the kubeconfig's certificate-authority-data).
    pub authority: String,
    /// The server's certificate and private key.
    pub server: String,
    pub key: String,
}

/// A fresh authority and a server certificate for `127.0.0.1`, `localhost` and the address
/// listened on.
pub fn generate(listen: std::net::IpAddr) -> Result<Certificates, rcgen::Error> {
    let authority_key = KeyPair::generate()?;
    let mut authority = CertificateParams::new(Vec::<String>::new())?;
    authority
        .distinguished_name
        .push(DnType::CommonName, "kubesim-ca");
    authority.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    authority.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let authority_cert = authority.self_signed(&authority_key)?;
    let issuer = Issuer::new(authority, authority_key);
    let key = KeyPair::generate()?;
    let mut server = CertificateParams::new(vec!["localhost".to_string()])?;
    server
        .distinguished_name
        .push(DnType::CommonName, "kubesim");
    server
        .subject_alt_names
        .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
    if !listen.is_loopback() && !listen.is_unspecified() {
        server.subject_alt_names.push(SanType::IpAddress(listen));
    }
    let server_cert = server.signed_by(&key, &issuer)?;
    Ok(Certificates {
        authority: authority_cert.pem(),
        server: server_cert.pem(),
        key: key.serialize_pem(),
    })
}
