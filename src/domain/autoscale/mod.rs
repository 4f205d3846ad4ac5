//! ECS Service Auto Scaling policies and their simulation (work in progress: see issue "vitals autoscale").
