/**
 * The cluster's PKI, made with openssl for each `up`: one CA; the API server's serving certificate;
 * client certificates for the admin, the controller manager, the scheduler, kube-proxy and the
 * kubelet (each with the user and group Kubernetes' default RBAC expects); the kubelet's serving
 * certificate; the service-account signing key. Kubeconfigs embed them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiserverPort, clusterDomain, kubernetesServiceIp, nodeIp, nodeName } from './config.ts';
import { must } from './util.ts';

interface Certificate {
  name: string;
  subject: string;
  /** subjectAltName entries, for serving certificates. */
  altNames?: string[];
  usage: 'client' | 'server' | 'both';
}

const certificates: Certificate[] = [
  {
    name: 'apiserver',
    subject: '/CN=kube-apiserver',
    altNames: [
      `IP:${nodeIp}`,
      `IP:${kubernetesServiceIp}`,
      'IP:127.0.0.1',
      'DNS:localhost',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      `DNS:kubernetes.default.svc.${clusterDomain}`,
    ],
    usage: 'server',
  },
  // The API server calls kubelets with it (logs, exec, port-forward).
  {
    name: 'apiserver-kubelet-client',
    subject: '/O=system:masters/CN=kube-apiserver-kubelet-client',
    usage: 'client',
  },
  { name: 'admin', subject: '/O=system:masters/CN=kubernetes-admin', usage: 'client' },
  { name: 'controller-manager', subject: '/CN=system:kube-controller-manager', usage: 'client' },
  { name: 'scheduler', subject: '/CN=system:kube-scheduler', usage: 'client' },
  { name: 'kube-proxy', subject: '/CN=system:kube-proxy', usage: 'client' },
  { name: 'kubelet', subject: `/O=system:nodes/CN=system:node:${nodeName}`, usage: 'client' },
  {
    name: 'kubelet-serving',
    subject: `/CN=${nodeName}`,
    altNames: [`IP:${nodeIp}`, `DNS:${nodeName}`, 'IP:127.0.0.1'],
    usage: 'server',
  },
];

const openssl = (args: string[], cwd: string) => must('openssl', args, { cwd });

/** Makes every key and certificate in `dir` (which it creates). */
export function makePki(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/CN=pixelflow-kubernetes-ca',
      '-days',
      '3650',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  for (const cert of certificates) {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${cert.name}.key`], dir);
    openssl(
      ['req', '-new', '-key', `${cert.name}.key`, '-subj', cert.subject, '-out', `${cert.name}.csr`],
      dir,
    );
    const usage =
      cert.usage === 'client'
        ? 'clientAuth'
        : cert.usage === 'server'
          ? 'serverAuth'
          : 'serverAuth,clientAuth';
    const extensions = [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      `extendedKeyUsage=${usage}`,
      ...(cert.altNames ? [`subjectAltName=${cert.altNames.join(',')}`] : []),
    ];
    writeFileSync(join(dir, `${cert.name}.ext`), `${extensions.join('\n')}\n`);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${cert.name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '3650',
        '-extfile',
        `${cert.name}.ext`,
        '-out',
        `${cert.name}.crt`,
      ],
      dir,
    );
  }
  // Service-account tokens: RSA, which every client of them accepts.
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key'], dir);
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
}

/** A kubeconfig for one of the client certificates, with everything embedded. */
export function kubeconfig(pki: string, cert: string, user: string): string {
  const b64 = (file: string) => readFileSync(join(pki, file)).toString('base64');
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'pixelflow',
          cluster: {
            server: `https://${nodeIp}:${apiserverPort}`,
            'certificate-authority-data': b64('ca.crt'),
          },
        },
      ],
      users: [
        {
          name: user,
          user: { 'client-certificate-data': b64(`${cert}.crt`), 'client-key-data': b64(`${cert}.key`) },
        },
      ],
      contexts: [{ name: 'pixelflow', context: { cluster: 'pixelflow', user } }],
      'current-context': 'pixelflow',
    },
    null,
    2,
  );
}
