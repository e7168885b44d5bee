% Runs the classic saliency models of H. Duan's baseline_saliency_models bundle under GNU Octave with
% the calls of its calTraSal.m (the batch script behind the paper's Table 3), one model at a time, on
% every PNG of imgs/, and saves each map before imwrite to out/<MODEL>/<image>.mat (variable sal).
% benchmarks/saliency_fidelity.py compares them with this project's maps.
%
% Setup (outside this repository; their code and outputs are not to be committed):
%   apt-get install octave octave-image octave-signal octave-statistics liboctave-dev
%   copy the bundle's calTraSal.m folder (tra_saliency_src/, tra_saliency_lib/) to DIR, put images in DIR/imgs/
%   GBVS's MEX sources need MATLAB's matrix.h: echo '#include "mex.h"' > shim/matrix.h, then in
%   tra_saliency_lib/gbvs/{util,algsrc,saltoolbox}: mkoctfile --mex -I<shim> *.cc (one file at a time)
%   cd DIR && octave --no-gui -q /path/to/run_authors_saliency.m IT AIM GBVS SR SUN PFT SMVJ SWD Murray CovSal HFT
%
% Not runnable under Octave: CA (ca_saliency is MATLAB p-code), Judd (Felzenszwalb's DPM detectors and
% liblinear are Windows/Linux MEX builds for MATLAB), and SMVJ's face detector (FaceDetect.mexw64, Windows
% only); calTraSal.m saves SMVJ_Main's master_map_resized, which is computed before the face detector,
% so the SMVJ row here is SMVJ_Main's gbvs call.
pkg load image
pkg load signal
pkg load statistics
warning('off', 'all');
root = pwd;
p = 'tra_saliency_src/';
addpath([p,'Itti-1998/SaliencyToolbox']); addpath([p,'AIM/AIM']); addpath([p,'GBVS/gbvs']);
addpath([p,'Hou-CVPR-SR']); addpath([p,'SUN/imagesaliency/saliency']); addpath([p,'PQFT']);
addpath(genpath('tra_saliency_lib/SMVJ')); addpath([p,'SWD/Wu_Saliency_CVPR11']); addpath([p,'Murray/SIM']);
addpath([p,'CovSal/saliency']); addpath(genpath([p,'HFT/HFT Code']));
cd tra_saliency_lib/gbvs; gbvs_install; cd(root);
models = argv();
imgs = dir('imgs/*.png');
for m = 1:numel(models)
  alg = models{m};
  mkdir(['out/' alg]);
  for k = 1:numel(imgs)
    img_path = ['imgs/' imgs(k).name];
    img = imread(img_path); img_double = double(img); img_size = size(img);
    t0 = tic;
    try
      switch alg
        case 'IT'
          img_IT = initializeImage(img_path); params = defaultSaliencyParams;
          s = makeSaliencyMap(img_IT, params); sal = imresize(s.data, img_IT.size(1:2));
        case 'AIM'
          sal = AIM(img_path); sal = sal - min(sal(:)); sal = sal ./ max(sal(:));
        case 'GBVS'
          s = gbvs(img_path); sal = s.master_map_resized;
        case 'SR'
          sal = SR(img);
        case 'SUN'
          sal = saliencyimage_convolution(img_double, 0.5); sal = sal - min(sal(:)); sal = sal ./ max(sal(:));
          sal = imresize(sal, img_size(1:2));
        case 'PFT'
          sal = PFT(img);
        case 'SMVJ'
          params = makeGBVSParams; params.channels = 'CIOA'; params.faceWeight = 1;
          s = gbvs(img_path, params); sal = s.master_map_resized;
        case 'SWD'
          sal = Wu_ImageSaliencyComputing(img_path, 14, 11, 3);
        case 'Murray'
          [mm nn pp] = size(img_double); wlev = min([7, floor(log2(min([mm nn])))]);
          sal = SIM(img_double, [13 26], wlev, 2.4, 1); sal = sal - min(sal(:)); sal = sal ./ max(sal(:));
        case 'CovSal'
          options.size = 512; options.quantile = 1/10; options.centerBias = 1; options.modeltype = 'CovariancesOnly';
          sal = saliencymap(img_path, options); sal = sal - min(sal(:)); sal = sal ./ max(sal(:));
        case 'HFT'
          sal = HFT(img_double);
        otherwise
          error('unknown model %s', alg);
      end
      sal = double(sal);
      save('-v7', ['out/' alg '/' imgs(k).name '.mat'], 'sal');
      printf('%s %s ok %.1fs\n', alg, imgs(k).name, toc(t0));
    catch err
      printf('%s %s FAILED: %s\n', alg, imgs(k).name, err.message);
    end
    fflush(stdout);
  end
end
