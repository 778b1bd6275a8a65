// Public lab pages: the catalogue, a lab's introduction, its steps and its closing page.
import { Router, type Request } from 'express';
import { NotFoundError } from '../errors';
import type { Lab, LabCatalog, Step } from '../labs/types';

function findLab(labs: LabCatalog, req: Request): Lab {
  const lab = labs.get(String(req.params.labId));
  if (!lab) throw new NotFoundError('LAB_NOT_FOUND');
  return lab;
}

function findStep(lab: Lab, req: Request): Step {
  const step = lab.steps.find((s) => s.id === req.params.stepId);
  if (!step) throw new NotFoundError('STEP_NOT_FOUND');
  return step;
}

export function labRouter(labs: LabCatalog): Router {
  const router = Router();

  router.get('/', (_req, res) => {
    res.render('catalogue', { title: 'Labs', labs: labs.labs });
  });

  router.get('/labs/:labId', (req, res) => {
    const lab = findLab(labs, req);
    res.render('lab', { title: lab.title, lab });
  });

  router.get('/labs/:labId/steps/:stepId', (req, res) => {
    const lab = findLab(labs, req);
    const step = findStep(lab, req);
    res.render('step', {
      title: `${step.title} · ${lab.title}`,
      lab,
      step,
      previous: lab.steps[step.number - 2],
      next: lab.steps[step.number],
    });
  });

  router.get('/labs/:labId/finish', (req, res) => {
    const lab = findLab(labs, req);
    if (!lab.finish) throw new NotFoundError();
    res.render('finish', { title: `${lab.finish.title} · ${lab.title}`, lab, finish: lab.finish });
  });

  return router;
}
