/**
 * NVIDIA_REQUIRE_CUDA exactly as NVIDIA's CUDA images set it (gitlab.com/nvidia/container-images/cuda,
 * dist/<version>/<os>/base/Dockerfile; x86_64). 12.8.1's Dockerfile repeats the same 12 brands for each of the
 * driver branches 470, 535, 550, 560 and 565; it is written out in full here.
 */
export const REQUIRE_11_8_0 =
  'cuda>=11.8 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471' +
  ' brand=nvidia,driver>=470,driver<471 brand=nvidiartx,driver>=470,driver<471' +
  ' brand=geforce,driver>=470,driver<471 brand=geforcertx,driver>=470,driver<471' +
  ' brand=quadro,driver>=470,driver<471 brand=quadrortx,driver>=470,driver<471' +
  ' brand=titan,driver>=470,driver<471 brand=titanrtx,driver>=470,driver<471';
export const REQUIRE_12_4_1 =
  'cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471' +
  ' brand=nvidia,driver>=470,driver<471 brand=nvidiartx,driver>=470,driver<471' +
  ' brand=geforce,driver>=470,driver<471 brand=geforcertx,driver>=470,driver<471' +
  ' brand=quadro,driver>=470,driver<471 brand=quadrortx,driver>=470,driver<471' +
  ' brand=titan,driver>=470,driver<471 brand=titanrtx,driver>=470,driver<471' +
  ' brand=tesla,driver>=525,driver<526 brand=unknown,driver>=525,driver<526' +
  ' brand=nvidia,driver>=525,driver<526 brand=nvidiartx,driver>=525,driver<526' +
  ' brand=geforce,driver>=525,driver<526 brand=geforcertx,driver>=525,driver<526' +
  ' brand=quadro,driver>=525,driver<526 brand=quadrortx,driver>=525,driver<526' +
  ' brand=titan,driver>=525,driver<526 brand=titanrtx,driver>=525,driver<526' +
  ' brand=tesla,driver>=535,driver<536 brand=unknown,driver>=535,driver<536' +
  ' brand=nvidia,driver>=535,driver<536 brand=nvidiartx,driver>=535,driver<536' +
  ' brand=geforce,driver>=535,driver<536 brand=geforcertx,driver>=535,driver<536' +
  ' brand=quadro,driver>=535,driver<536 brand=quadrortx,driver>=535,driver<536' +
  ' brand=titan,driver>=535,driver<536 brand=titanrtx,driver>=535,driver<536';
export const REQUIRE_12_8_1 =
  'cuda>=12.8 brand=unknown,driver>=470,driver<471 brand=grid,driver>=470,driver<471' +
  ' brand=tesla,driver>=470,driver<471 brand=nvidia,driver>=470,driver<471' +
  ' brand=quadro,driver>=470,driver<471 brand=quadrortx,driver>=470,driver<471' +
  ' brand=nvidiartx,driver>=470,driver<471 brand=vapps,driver>=470,driver<471' +
  ' brand=vpc,driver>=470,driver<471 brand=vcs,driver>=470,driver<471 brand=vws,driver>=470,driver<471' +
  ' brand=cloudgaming,driver>=470,driver<471 brand=unknown,driver>=535,driver<536' +
  ' brand=grid,driver>=535,driver<536 brand=tesla,driver>=535,driver<536' +
  ' brand=nvidia,driver>=535,driver<536 brand=quadro,driver>=535,driver<536' +
  ' brand=quadrortx,driver>=535,driver<536 brand=nvidiartx,driver>=535,driver<536' +
  ' brand=vapps,driver>=535,driver<536 brand=vpc,driver>=535,driver<536' +
  ' brand=vcs,driver>=535,driver<536 brand=vws,driver>=535,driver<536' +
  ' brand=cloudgaming,driver>=535,driver<536 brand=unknown,driver>=550,driver<551' +
  ' brand=grid,driver>=550,driver<551 brand=tesla,driver>=550,driver<551' +
  ' brand=nvidia,driver>=550,driver<551 brand=quadro,driver>=550,driver<551' +
  ' brand=quadrortx,driver>=550,driver<551 brand=nvidiartx,driver>=550,driver<551' +
  ' brand=vapps,driver>=550,driver<551 brand=vpc,driver>=550,driver<551' +
  ' brand=vcs,driver>=550,driver<551 brand=vws,driver>=550,driver<551' +
  ' brand=cloudgaming,driver>=550,driver<551 brand=unknown,driver>=560,driver<561' +
  ' brand=grid,driver>=560,driver<561 brand=tesla,driver>=560,driver<561' +
  ' brand=nvidia,driver>=560,driver<561 brand=quadro,driver>=560,driver<561' +
  ' brand=quadrortx,driver>=560,driver<561 brand=nvidiartx,driver>=560,driver<561' +
  ' brand=vapps,driver>=560,driver<561 brand=vpc,driver>=560,driver<561' +
  ' brand=vcs,driver>=560,driver<561 brand=vws,driver>=560,driver<561' +
  ' brand=cloudgaming,driver>=560,driver<561 brand=unknown,driver>=565,driver<566' +
  ' brand=grid,driver>=565,driver<566 brand=tesla,driver>=565,driver<566' +
  ' brand=nvidia,driver>=565,driver<566 brand=quadro,driver>=565,driver<566' +
  ' brand=quadrortx,driver>=565,driver<566 brand=nvidiartx,driver>=565,driver<566' +
  ' brand=vapps,driver>=565,driver<566 brand=vpc,driver>=565,driver<566' +
  ' brand=vcs,driver>=565,driver<566 brand=vws,driver>=565,driver<566' +
  ' brand=cloudgaming,driver>=565,driver<566';
export const REQUIRE_13_0_0 =
  'cuda>=13.0 brand=unknown,driver>=535,driver<536 brand=grid,driver>=535,driver<536' +
  ' brand=tesla,driver>=535,driver<536 brand=nvidia,driver>=535,driver<536' +
  ' brand=quadro,driver>=535,driver<536 brand=quadrortx,driver>=535,driver<536' +
  ' brand=nvidiartx,driver>=535,driver<536 brand=vapps,driver>=535,driver<536' +
  ' brand=vpc,driver>=535,driver<536 brand=vcs,driver>=535,driver<536 brand=vws,driver>=535,driver<536' +
  ' brand=cloudgaming,driver>=535,driver<536 brand=unknown,driver>=550,driver<551' +
  ' brand=grid,driver>=550,driver<551 brand=tesla,driver>=550,driver<551' +
  ' brand=nvidia,driver>=550,driver<551 brand=quadro,driver>=550,driver<551' +
  ' brand=quadrortx,driver>=550,driver<551 brand=nvidiartx,driver>=550,driver<551' +
  ' brand=vapps,driver>=550,driver<551 brand=vpc,driver>=550,driver<551' +
  ' brand=vcs,driver>=550,driver<551 brand=vws,driver>=550,driver<551' +
  ' brand=cloudgaming,driver>=550,driver<551 brand=unknown,driver>=565,driver<566' +
  ' brand=grid,driver>=565,driver<566 brand=tesla,driver>=565,driver<566' +
  ' brand=nvidia,driver>=565,driver<566 brand=quadro,driver>=565,driver<566' +
  ' brand=quadrortx,driver>=565,driver<566 brand=nvidiartx,driver>=565,driver<566' +
  ' brand=vapps,driver>=565,driver<566 brand=vpc,driver>=565,driver<566' +
  ' brand=vcs,driver>=565,driver<566 brand=vws,driver>=565,driver<566' +
  ' brand=cloudgaming,driver>=565,driver<566 brand=unknown,driver>=570,driver<571' +
  ' brand=grid,driver>=570,driver<571 brand=tesla,driver>=570,driver<571' +
  ' brand=nvidia,driver>=570,driver<571 brand=quadro,driver>=570,driver<571' +
  ' brand=quadrortx,driver>=570,driver<571 brand=nvidiartx,driver>=570,driver<571' +
  ' brand=vapps,driver>=570,driver<571 brand=vpc,driver>=570,driver<571' +
  ' brand=vcs,driver>=570,driver<571 brand=vws,driver>=570,driver<571' +
  ' brand=cloudgaming,driver>=570,driver<571 brand=unknown,driver>=575,driver<576' +
  ' brand=grid,driver>=575,driver<576 brand=tesla,driver>=575,driver<576' +
  ' brand=nvidia,driver>=575,driver<576 brand=quadro,driver>=575,driver<576' +
  ' brand=quadrortx,driver>=575,driver<576 brand=nvidiartx,driver>=575,driver<576' +
  ' brand=vapps,driver>=575,driver<576 brand=vpc,driver>=575,driver<576' +
  ' brand=vcs,driver>=575,driver<576 brand=vws,driver>=575,driver<576' +
  ' brand=cloudgaming,driver>=575,driver<576';
