(self.siteSearchData=self.siteSearchData||{})["w/s"]={"terms":"s sampl scheme schmidhub score seen simul small sort speech step studi synthesi"};
