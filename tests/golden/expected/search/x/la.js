(self.siteSearchData=self.siteSearchData||{})["x/la"]={"df":"030201","terms":"languag larg larger"};
